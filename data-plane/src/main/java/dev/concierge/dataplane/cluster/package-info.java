/**
 * Compiled clusters, endpoints, the weighted split between clusters, balancers, and the
 * node-lifetime endpoint state they read.
 */
@NullMarked
package dev.concierge.dataplane.cluster;

import org.jspecify.annotations.NullMarked;
