/**
 * Who and where the client is, for the request path: its address (the peer, or the first untrusted
 * X-Forwarded-For hop behind the node's trusted proxies), its country (a trusted header or a CIDR
 * table) and its device class (from the User-Agent), computed at most once per request by the
 * request's context and only when a route or stage asks; plus the node's clock.
 */
@NullMarked
package dev.concierge.dataplane.client;

import org.jspecify.annotations.NullMarked;
