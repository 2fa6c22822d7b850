/** Config path 1: the transactional store of clusters, routes, certificates, history and nodes. */
@NullMarked
package dev.concierge.controlplane.store;

import org.jspecify.annotations.NullMarked;
