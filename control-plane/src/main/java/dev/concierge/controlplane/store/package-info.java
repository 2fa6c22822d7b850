/** Config path 1: the transactional store of clusters, routes, certificates, history and nodes. */
package dev.concierge.controlplane.store;
