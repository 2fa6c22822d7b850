/** Compiled clusters, endpoints, the weighted split between clusters, balancers, and the node-lifetime endpoint state they read. */
package dev.concierge.dataplane.cluster;
