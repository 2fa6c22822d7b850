package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.PlainText;
import dev.concierge.dataplane.upstream.LeanConnector.SelectorPools;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@link UpstreamTransport} of our own over plain HTTP/1.1 on Jetty's I/O layer: the upstream
 * connection lives on the selector of the client connection ({@link LeanConnector}), so both
 * legs of an exchange are served by one selector thread; idle connections wait in per-selector,
 * per-endpoint keep-alive pools ({@link UpstreamPool}); the request is re-framed from the parsed
 * request ({@link UpstreamRequestHead}) and the response parsed with Jetty's HttpParser and
 * relayed through the server {@code Response} with demand-based back-pressure
 * ({@link UpstreamConnection}).
 *
 * <p>Errors as {@link JettyProxyTransport}'s. Covers {@code http://} HTTP/1.1 upstreams only;
 * TLS or h2 upstreams need {@link JettyProxyTransport}. Thread-safe, non-blocking (except that
 * an endpoint given by host name is resolved when a connection is opened).
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

  private final LeanConnector connector;
  private final Settings settings;
  private final long idleTimeoutMillis;

  public LeanProxyTransport(LeanConnector connector, Settings settings) {
    this.connector = requireNonNull(connector, "connector");
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
  public void forward(UpstreamTarget target, Request request, Response response, Callback callback) {
    HttpFields fields = request.getHeaders();
    long length = request.getLength();
    boolean chunked = length < 0 && fields.contains(HttpHeader.TRANSFER_ENCODING);
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
    RetainableByteBuffer head = encodeHead(target, request, fields, bodyLength);
    if (head == null) {
      target.outcomes().accept(UpstreamOutcome.ERROR);
      PlainText.write(response, callback, HttpStatus.BAD_GATEWAY_502, "upstream error\n");
      return;
    }
    SelectorPools pools = connector.poolsFor(request);
    UpstreamPool pool = pools.pool(target.endpoint());
    UpstreamExchange exchange = new UpstreamExchange(
        this, target, request, response, callback, pools, pool, hasBody, chunked, head);
    UpstreamConnection connection = pool.acquire();
    if (connection != null) {
      exchange.start(connection, true);
    } else {
      connect(exchange);
    }
  }

  /** Opens a fresh connection for {@code exchange} on its selector. */
  void connect(UpstreamExchange exchange) {
    connector.connect(new PendingConnect(exchange, exchange.pools, exchange.pool, exchange.endpoint()));
  }

  private RetainableByteBuffer encodeHead(
      UpstreamTarget target, Request request, HttpFields fields, long bodyLength) {
    HttpURI uri = request.getHttpURI();
    Endpoint endpoint = target.endpoint();
    boolean hasHost = fields.contains(HttpHeader.HOST);
    for (int size = HEAD_BUFFER_SIZE; size <= MAX_HEAD_BUFFER_SIZE; size *= 8) {
      RetainableByteBuffer buffer = buffers().acquire(size, true);
      ByteBuffer bytes = buffer.getByteBuffer();
      bytes.clear();
      try {
        UpstreamRequestHead.write(bytes, request.getMethod(), uri.getPath(), uri.getQuery(),
            request.getConnectionMetaData().getHttpVersion(), fields, Request.getRemoteAddr(request),
            request.isSecure(), hasHost ? null : uri.getAuthority(), hasHost ? null : endpoint.toString(),
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
