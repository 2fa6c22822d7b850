/**
 * The access log: one JSON line per completed request, captured at completion on the request thread
 * and written off it; the per-route policy (off, sampling, secret query parameters).
 */
@NullMarked
package dev.concierge.dataplane.accesslog;

import org.jspecify.annotations.NullMarked;
