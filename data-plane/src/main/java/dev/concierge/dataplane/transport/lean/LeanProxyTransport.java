package dev.concierge.dataplane.transport.lean;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.BodyFraming;
import dev.concierge.dataplane.cluster.CircuitBreaker;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.transport.lean.LeanConnector.SelectorPools;
import dev.concierge.dataplane.upstream.CircuitBreakerOverflowException;
import dev.concierge.dataplane.upstream.RequestRewrite;
import dev.concierge.dataplane.upstream.UpstreamOutcome;
import dev.concierge.dataplane.upstream.UpstreamTransport;
import dev.concierge.dataplane.upstream.UpstreamTry;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * {@link UpstreamTransport} of our own over plain HTTP/1.1 on Jetty's I/O layer: the upstream
 * connection lives on the selector of the client connection ({@link LeanConnector}), so both legs
 * of an exchange are served by one selector thread; idle connections wait in per-selector,
 * per-endpoint keep-alive pools ({@link UpstreamPool}); the request is re-framed from the parsed
 * request ({@link UpstreamRequestHead}) and the response parsed with Jetty's HttpParser and relayed
 * through the server {@code Response} with demand-based back-pressure ({@link UpstreamConnection}).
 *
 * <p>A cluster's circuit breaker that limits connections is asked before each new connection; while
 * requests wait for one, a connection that finishes its exchange is closed rather than kept idle,
 * so the waiter on any selector gets its place (cheaper than handing connections across selectors,
 * and only under saturation).
 *
 * <p>Covers HTTP/1.1 upstreams, in plain text or over TLS: a cluster's {@link UpstreamTlsPolicy}
 * wraps each new connection's endpoint in Jetty's {@link org.eclipse.jetty.io.ssl.SslConnection} on
 * the same selector, and its connections are pooled apart from plain ones; h2 upstreams need the
 * Jetty transport. Thread-safe, non-blocking: an endpoint given by host name connects to its cached
 * address ({@link dev.concierge.dataplane.dns.ResolvedHost}), and fails at once while it has none.
 */
public final class LeanProxyTransport implements UpstreamTransport {
  /** Idle connections kept per (selector, endpoint). */
  static final int MAX_IDLE = 128;

  private static final int HEAD_BUFFER_SIZE = 8 * 1024;
  private static final int MAX_HEAD_BUFFER_SIZE = 64 * 1024;

  /** Tuning of the upstream connections. */
  public record Settings(Duration idleTimeout, int responseBufferSize, int maxResponseHeaderSize) {
    public Settings {
      requireNonNull(idleTimeout, "idleTimeout");
    }

    /** 30 s idle keep-alive, 64 KiB reads (the pooled maximum), 64 KiB response headers. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(30), 64 * 1024, 64 * 1024);
    }
  }

  // The connectors whose client connections this transport serves; the first one lends its
  // buffers and scheduler. Each upstream connection opens on its client connection's selector.
  private final LeanConnector connector;
  private final List<LeanConnector> connectors;
  private final Settings settings;
  private final long idleTimeoutMillis;

  public LeanProxyTransport(LeanConnector connector, Settings settings) {
    this(List.of(connector), settings);
  }

  /** A transport serving the client connections of each of {@code connectors} (HTTP, HTTPS). */
  public LeanProxyTransport(List<LeanConnector> connectors, Settings settings) {
    this.connectors = List.copyOf(connectors);
    this.connector = this.connectors.get(0);
    this.settings = requireNonNull(settings, "settings");
    this.idleTimeoutMillis = settings.idleTimeout().toMillis();
  }

  ByteBufferPool buffers() {
    return connector.getByteBufferPool();
  }

  int responseBufferSize() {
    return settings.responseBufferSize();
  }

  int maxResponseHeaderSize() {
    return settings.maxResponseHeaderSize();
  }

  long idleTimeoutMillis() {
    return idleTimeoutMillis;
  }

  @Override
  public void send(UpstreamTry attempt) {
    Request request = attempt.request();
    HttpFields fields = request.getHeaders();
    long length = request.getLength();
    boolean chunked = length < 0 && fields.contains(HttpHeader.TRANSFER_ENCODING);
    Content.Chunk first = null;
    if (length < 0 && !chunked && BodyFraming.isMultiplexed(request)) {
      // An HTTP/2 request without content-length: its body ends with the stream, so it goes up
      // chunked, unless the stream has ended already (a GET's END_STREAM on its HEADERS frame).
      first = request.read();
      if (first != null && first.isLast() && !first.hasRemaining()) {
        first.release();
        first = null;
      } else {
        chunked = true;
      }
    }
    boolean hasBody = length > 0 || chunked;
    long bodyLength;
    if (length > 0) {
      bodyLength = length;
    } else if (chunked) {
      bodyLength = UpstreamRequestHead.CHUNKED;
    } else if (length == 0 && fields.contains(HttpHeader.CONTENT_LENGTH)) {
      bodyLength = 0;
    } else {
      bodyLength = UpstreamRequestHead.NO_BODY;
    }
    RetainableByteBuffer head = encodeHead(attempt, request, fields, bodyLength);
    if (head == null) {
      if (first != null) {
        first.release();
      }
      attempt.failed(
          UpstreamOutcome.ERROR,
          new IllegalStateException("request head larger than " + MAX_HEAD_BUFFER_SIZE),
          false,
          false);
      return;
    }
    SelectorPools pools = connector.poolsFor(request);
    UpstreamPool pool = pools.pool(attempt.endpoint());
    UpstreamTlsPolicy tls = attempt.cluster().tls();
    if (tls != null) {
      pool = pool.tls(tls);
    }
    UpstreamExchange exchange =
        new UpstreamExchange(this, attempt, pools, pool, hasBody, chunked, head, first);
    UpstreamConnection connection = attempt.freshConnection() ? null : pool.acquire();
    if (connection != null) {
      exchange.start(connection, true);
    } else {
      connect(exchange);
    }
  }

  /**
   * Opens a fresh connection for {@code exchange} on its selector; when the cluster's circuit
   * breaker limits connections and all are open, queues the exchange for the next free place (an
   * idle connection of the cluster on another selector is closed to make one), or fails it as an
   * overflow when max_pending_requests are waiting.
   */
  void connect(UpstreamExchange exchange) {
    CircuitBreaker breaker = exchange.breaker();
    if (!breaker.limitsConnections()) {
      open(exchange, null);
      return;
    }
    if (breaker.tryOpenConnection()) {
      open(exchange, breaker);
      return;
    }
    WaitingConnect waiter = new WaitingConnect(this, exchange, breaker);
    if (!breaker.enqueue(waiter)) {
      exchange.connectFailed(
          new CircuitBreakerOverflowException(CircuitBreaker.MAX_PENDING_REQUESTS));
      return;
    }
    waiter.scheduleTimeout(connector.getScheduler());
    closeOneIdle(exchange);
  }

  /** Opens the connection, holding a place of {@code breaker} when it counts connections. */
  void open(UpstreamExchange exchange, @Nullable CircuitBreaker breaker) {
    exchange.pools.connector.connect(
        new PendingConnect(exchange, exchange.pools, exchange.pool, exchange.endpoint(), breaker));
  }

  /** Closes one idle connection to the exchange's cluster, whose place goes to a waiter. */
  private void closeOneIdle(UpstreamExchange exchange) {
    for (LeanConnector each : connectors) {
      if (closeOneIdle(each, exchange)) {
        return;
      }
    }
  }

  @Override
  public void retainTls(java.util.Set<UpstreamTlsPolicy> inForce) {
    for (LeanConnector connector : connectors) {
      for (SelectorPools pools : connector.allPools()) {
        for (UpstreamPool pool : pools.all()) {
          pool.retainTls(inForce);
        }
      }
    }
  }

  private static boolean closeOneIdle(LeanConnector connector, UpstreamExchange exchange) {
    UpstreamTlsPolicy tls = exchange.tls();
    for (SelectorPools pools : connector.allPools()) {
      for (Endpoint endpoint : exchange.clusterEndpoints()) {
        UpstreamPool pool = pools.existing(endpoint);
        if (pool != null && tls != null) {
          pool = pool.existingTls(tls);
        }
        UpstreamConnection idle = pool == null ? null : pool.acquire();
        if (idle != null) {
          idle.close();
          return true;
        }
      }
    }
    return false;
  }

  private @Nullable RetainableByteBuffer encodeHead(
      UpstreamTry attempt, Request request, HttpFields fields, long bodyLength) {
    HttpURI uri = request.getHttpURI();
    RequestRewrite rewrite = attempt.rewrite();
    String path = rewrite.path(uri);
    boolean hasHost = fields.contains(HttpHeader.HOST);
    for (int size = HEAD_BUFFER_SIZE; size <= MAX_HEAD_BUFFER_SIZE; size *= 8) {
      RetainableByteBuffer buffer = buffers().acquire(size, true);
      ByteBuffer bytes = buffer.getByteBuffer();
      bytes.clear();
      try {
        UpstreamRequestHead.write(
            bytes,
            rewrite,
            request.getMethod(),
            path,
            uri.getQuery(),
            request.getConnectionMetaData().getHttpVersion(),
            fields,
            RequestRewrite.forwardedFor(request),
            request.isSecure(),
            hasHost ? null : uri.getAuthority(),
            hasHost && !rewrite.sendsEndpointHost() ? null : attempt.endpoint().address(),
            request,
            bodyLength);
        bytes.flip();
        return buffer;
      } catch (BufferOverflowException e) {
        bytes.clear().flip();
        buffer.release();
      }
    }
    return null;
  }
}
