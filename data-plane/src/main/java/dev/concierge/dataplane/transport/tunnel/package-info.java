/**
 * The upgrade carrier: an HTTP/1.1 {@code Upgrade} (WebSocket) relayed as a byte tunnel once the
 * backend has answered 101.
 */
@NullMarked
package dev.concierge.dataplane.transport.tunnel;

import org.jspecify.annotations.NullMarked;
