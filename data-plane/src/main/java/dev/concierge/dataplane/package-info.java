/** Data-plane node: composition of the proxy server, admin server and config client; HandlerChain fixes the request path. */
package dev.concierge.dataplane;
