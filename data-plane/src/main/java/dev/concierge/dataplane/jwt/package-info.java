/**
 * Request path, after CORS and the key/basic auth stages, before rate limits: JWT authentication,
 * an edge policy of the {@code policies/{id}} resources. Tokens checked against keys compiled once
 * per policy and snapshot; JWK Sets fetched by the node off the request path and refreshed in the
 * background.
 */
@NullMarked
package dev.concierge.dataplane.jwt;

import org.jspecify.annotations.NullMarked;
