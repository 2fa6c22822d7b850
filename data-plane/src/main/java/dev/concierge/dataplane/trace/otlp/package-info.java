/**
 * Optional OTLP export of the proxy hop's span (OpenTelemetry SDK): taken at each sampled request's
 * completion, batched and sent off the request thread.
 */
@NullMarked
package dev.concierge.dataplane.trace.otlp;

import org.jspecify.annotations.NullMarked;
