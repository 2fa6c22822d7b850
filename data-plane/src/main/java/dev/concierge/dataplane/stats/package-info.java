/** Traffic counters per route and cluster, and their periodic report to the control plane. */
package dev.concierge.dataplane.stats;
