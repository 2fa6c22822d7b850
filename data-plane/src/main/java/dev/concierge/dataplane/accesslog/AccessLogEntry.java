package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.trace.TraceContext;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * One completed request as the access log keeps it: taken from the request at completion, on the
 * request thread, and formatted later on the writer's thread. Holds references the request made
 * anyway; the secret query parameters' values are replaced when it is formatted. Immutable.
 *
 * @param startEpochMillis when handling began
 * @param client the client's address (a trusted proxy's X-Forwarded-For hop, or the peer)
 * @param host the Host (or :authority), or null when the client sent none
 * @param path the request target as sent: path and query
 * @param protocol e.g. "HTTP/1.1", "HTTP/2.0"
 * @param status the status sent
 * @param bytesIn request body bytes read
 * @param bytesOut response body bytes written
 * @param durationNanos from the start of handling to completion
 * @param upstream "host:port" of the last upstream try, or null
 * @param upstreamNanos the last upstream try's duration, or -1 when none was made or ended
 * @param route the route's name, or null when none matched
 * @param cluster the cluster's name, or null when the request went to none
 * @param requestId the request's id
 * @param trace the hop's trace context
 * @param userAgent the User-Agent, or null
 * @param tls the TLS protocol version of an HTTPS request ("TLSv1.3"), or null
 * @param consumer the authenticated consumer's id, or null when none was authenticated
 * @param secretQueryParams query parameters whose values are logged as {@value
 *     RouteLogPolicy#REDACTED}
 * @param jwtSubject the "sub" claim of the request's verified JWT, or null
 */
public record AccessLogEntry(
    long startEpochMillis,
    String client,
    String method,
    @Nullable String host,
    String path,
    String protocol,
    int status,
    long bytesIn,
    long bytesOut,
    long durationNanos,
    @Nullable String upstream,
    long upstreamNanos,
    @Nullable String route,
    @Nullable String cluster,
    String requestId,
    TraceContext trace,
    @Nullable String userAgent,
    @Nullable String tls,
    @Nullable String consumer,
    Set<String> secretQueryParams,
    @Nullable String jwtSubject) {
  public AccessLogEntry {
    requireNonNull(client, "client");
    requireNonNull(method, "method");
    requireNonNull(path, "path");
    requireNonNull(protocol, "protocol");
    requireNonNull(requestId, "requestId");
    requireNonNull(trace, "trace");
    requireNonNull(secretQueryParams, "secretQueryParams");
  }
}
