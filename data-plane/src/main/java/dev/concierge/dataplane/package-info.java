/**
 * Data-plane node: composition of the proxy server, admin server and config client; HandlerChain
 * fixes the request path.
 */
@NullMarked
package dev.concierge.dataplane;

import org.jspecify.annotations.NullMarked;
