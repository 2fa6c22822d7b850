/**
 * The lean HTTP/1.1 carrier: upstream connections on the client connection's selector, keep-alive
 * pools, our own head codec.
 */
@NullMarked
package dev.concierge.dataplane.transport.lean;

import org.jspecify.annotations.NullMarked;
