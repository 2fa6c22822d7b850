package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.JwtClaims;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RequestLog;
import dev.concierge.dataplane.consumer.KeyAuthPolicy;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's access log: at each request's completion, when the route's {@link RouteLogPolicy} logs
 * it (off, sampled, or every request; a request no route took is always logged), takes an {@link
 * AccessLogEntry} from the request on its thread and queues it for the {@link AccessLogWriter}. A
 * route with the log off costs one array read. Thread-safe.
 */
public final class AccessLog implements RequestLog, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AccessLog.class);

  /** The fields of every line, in order; each is present, null when unknown. */
  public static final List<String> FIELDS =
      List.of(
          "time",
          "client",
          "method",
          "host",
          "path",
          "protocol",
          "status",
          "bytes_in",
          "bytes_out",
          "duration_ms",
          "upstream",
          "upstream_ms",
          "route",
          "cluster",
          "request_id",
          "trace_id",
          "user_agent",
          "tls",
          "consumer",
          "jwt_sub");

  private final AccessLogWriter writer;
  private final Supplier<RandomGenerator> random;
  private volatile boolean captureFailed;

  AccessLog(AccessLogWriter writer, Supplier<RandomGenerator> random) {
    this.writer = requireNonNull(writer, "writer");
    this.random = requireNonNull(random, "random");
  }

  /**
   * Starts the log writing to {@code destination}, or returns null when it is off.
   *
   * @param random the sampling draws; per call so a thread-local generator works
   */
  public static @org.jspecify.annotations.Nullable AccessLog start(
      AccessLogDestination destination, Supplier<RandomGenerator> random) throws IOException {
    LineSink sink;
    if (destination instanceof AccessLogDestination.File file) {
      sink = new RotatingFileSink(file.path(), file.maxBytes(), file.maxFiles());
    } else if (destination instanceof AccessLogDestination.Stdout) {
      sink = new StreamSink(new FileOutputStream(FileDescriptor.out));
    } else {
      return null;
    }
    return new AccessLog(
        new AccessLogWriter(
                sink, AccessLogWriter.DEFAULT_CAPACITY, AccessLogWriter.DEFAULT_FLUSH_INTERVAL)
            .start(),
        random);
  }

  @Override
  public void completed(RequestContext context, int status, long durationNanos) {
    RouteLogPolicy policy = context.policies().get(RouteLogPolicy.KEY);
    if (!policy.logs(random)) {
      return;
    }
    AccessLogEntry entry;
    try {
      entry = entry(context, status, durationNanos, policy);
    } catch (RuntimeException e) {
      // Never let the log break a request's completion.
      writer.countDropped();
      if (!captureFailed) {
        captureFailed = true;
        LOG.warn("access log: cannot take a request's entry", e);
      }
      return;
    }
    writer.offer(entry);
  }

  /** The entry of {@code context}, completed with {@code status}. */
  static AccessLogEntry entry(
      RequestContext context, int status, long durationNanos, RouteLogPolicy policy) {
    String host = context.getHeaders().get(HttpHeader.HOST);
    if (host == null) {
      host = context.getHttpURI().getAuthority();
    }
    String tls = null;
    // The connection's flag: Request.isSecure compares the URI's scheme as text.
    if (context.getConnectionMetaData().isSecure()
        && context.getAttribute(EndPoint.SslSessionData.ATTRIBUTE)
            instanceof EndPoint.SslSessionData data
        && data.sslSession() != null) {
      tls = data.sslSession().getProtocol();
    }
    String path = context.getHttpURI().getPathQuery();
    return new AccessLogEntry(
        context.startEpochNanos() / 1_000_000L,
        context.clientAddress().text(),
        context.getMethod(),
        host,
        path == null ? "/" : path,
        context.getConnectionMetaData().getProtocol(),
        status,
        context.bytesIn(),
        context.bytesOut(),
        durationNanos,
        context.upstreamAddress(),
        context.upstreamNanos(),
        context.routeName(),
        context.clusterName(),
        context.requestId(),
        context.trace(),
        context.getHeaders().get(HttpHeader.USER_AGENT),
        tls,
        context.consumer(),
        secretQueryParams(context, policy),
        jwtSubject(context));
  }

  /** The "sub" of the request's verified JWT, or null (no JWT policy, or no subject). */
  private static @org.jspecify.annotations.Nullable String jwtSubject(RequestContext context) {
    JwtClaims claims = context.jwtClaims();
    return claims == null ? null : claims.subject();
  }

  /** The route's secret query parameters, and those its key_auth reads a key from. */
  private static Set<String> secretQueryParams(RequestContext context, RouteLogPolicy policy) {
    Set<String> keys = context.policies().get(KeyAuthPolicy.KEY).secretQueryParams();
    if (keys.isEmpty()) {
      return policy.secretQueryParams();
    }
    Set<String> both = new HashSet<>(policy.secretQueryParams());
    both.addAll(keys);
    return both;
  }

  /** Entries dropped: the writer fell behind, or an entry could not be taken or written. */
  public long dropped() {
    return writer.dropped();
  }

  @Override
  public void close() {
    writer.close();
  }
}
