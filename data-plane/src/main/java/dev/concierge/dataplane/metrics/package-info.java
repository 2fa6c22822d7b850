/**
 * The node's Prometheus metrics: the node-lifetime meters, read at scrape time into the Prometheus
 * client's snapshots, with the JVM's, exposed on the admin port.
 */
@NullMarked
package dev.concierge.dataplane.metrics;

import org.jspecify.annotations.NullMarked;
