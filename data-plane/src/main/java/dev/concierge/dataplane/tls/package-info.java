/**
 * Client connections, before the request path: TLS termination on the node's HTTPS port (the
 * Mozilla intermediate profile, SNI certificate selection over the certificates of the runtime in
 * force, ALPN h2 and http/1.1, client-certificate authentication per SNI name).
 */
@NullMarked
package dev.concierge.dataplane.tls;

import org.jspecify.annotations.NullMarked;
