/**
 * The request chain's shared parts: per-request context, route-scoped stages, the typed per-route
 * policy set and the node's own error answers.
 */
@NullMarked
package dev.concierge.dataplane.chain;

import org.jspecify.annotations.NullMarked;
