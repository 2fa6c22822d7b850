/**
 * Request path, stage 3 (after IP access): CORS, an edge policy of the {@code policies/{id}}
 * resources; preflights answered at the node, allowed origins' responses given the Access-Control-*
 * headers. Compiled once per policy and snapshot.
 */
@NullMarked
package dev.concierge.dataplane.cors;

import org.jspecify.annotations.NullMarked;
