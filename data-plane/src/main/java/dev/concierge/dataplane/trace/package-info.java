/**
 * W3C Trace Context of the proxy hop: the incoming {@code traceparent} parsed, this hop's span
 * made, and what goes to the backend.
 */
@NullMarked
package dev.concierge.dataplane.trace;

import org.jspecify.annotations.NullMarked;
