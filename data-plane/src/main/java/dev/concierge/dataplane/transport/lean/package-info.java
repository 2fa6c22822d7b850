/** The lean HTTP/1.1 carrier: upstream connections on the client connection's selector, keep-alive pools, our own head codec. */
package dev.concierge.dataplane.transport.lean;
