package dev.concierge.dataplane.transport.tunnel;

import dev.concierge.dataplane.upstream.RequestRewrite;
import dev.concierge.dataplane.upstream.UpstreamFailures;
import dev.concierge.dataplane.upstream.UpstreamOutcome;
import dev.concierge.dataplane.upstream.UpstreamTry;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * One upgrade try: the upstream connection while it carries the handshake. Writes the request head,
 * parses the answer, and then either hands both connections to a pair of {@link Splice}s (101) or
 * relays the answer as a response (anything else, body up to {@value #MAX_BODY} bytes). Reports a
 * failure before the client's response is committed to the try, exactly once.
 */
final class Handshake implements HttpParser.ResponseHandler {
  private static final int MAX_HEAD = 64 * 1024;
  private static final int MAX_BODY = 64 * 1024;

  private final UpgradeTunnelTransport transport;
  private final UpstreamTry attempt;
  private final ByteBufferPool buffers;
  private final Executor executor;
  private final HttpParser parser = new HttpParser(this, MAX_HEAD);
  private final HttpFields.Mutable headers = HttpFields.build();
  private final AtomicBoolean done = new AtomicBoolean();
  private final ByteBuffer input = ByteBuffer.allocate(MAX_HEAD);
  private @Nullable Upstream connection;
  private int status;
  private volatile boolean connected;
  private volatile Scheduler.@Nullable Task connectTimer;
  private @Nullable ByteBuffer body;
  private boolean headComplete;
  private boolean messageComplete;

  Handshake(
      UpgradeTunnelTransport transport,
      UpstreamTry attempt,
      ByteBufferPool buffers,
      Executor executor) {
    this.transport = transport;
    this.attempt = attempt;
    this.buffers = buffers;
    this.executor = executor;
    BufferUtil.clear(input);
  }

  /** The timer of the cluster's connect timeout, cancelled when the connection opens. */
  void connectTimer(Scheduler.Task timer) {
    connectTimer = timer;
    if (connected) {
      timer.cancel();
    }
  }

  void connectTimedOut() {
    if (!connected) {
      fail(new SocketTimeoutException("Connect Timeout"));
    }
  }

  Connection open(EndPoint endPoint) {
    connected = true;
    Scheduler.Task timer = connectTimer;
    if (timer != null) {
      timer.cancel();
    }
    // The handshake has the route's time; the tunnel later gets its idle timeout.
    endPoint.setIdleTimeout(attempt.timeoutMillis());
    Upstream upstream = new Upstream(endPoint);
    connection = upstream;
    return upstream;
  }

  /**
   * As {@link #open}, over TLS with {@code engine}: the handshake connection runs on the decrypted
   * endpoint, and the TLS handshake starts with its first write. A failed TLS handshake fails the
   * try (as HANDSHAKE: 502 and a log line naming the reason).
   */
  Connection openTls(EndPoint endPoint, SSLEngine engine) {
    SslConnection ssl = new SslConnection(buffers, executor, null, endPoint, engine);
    ssl.setRenegotiationAllowed(false);
    EndPoint decrypted = ssl.getSslEndPoint();
    decrypted.setConnection(open(decrypted));
    ssl.addHandshakeListener(
        new SslHandshakeListener() {
          @Override
          public void handshakeFailed(Event event, Throwable failure) {
            fail(failure);
          }
        });
    return ssl;
  }

  void connectFailed(Throwable failure) {
    fail(failure);
  }

  private void fail(Throwable failure) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    Scheduler.Task timer = connectTimer;
    if (timer != null) {
      timer.cancel();
    }
    Upstream upstream = connection;
    if (upstream != null) {
      upstream.getEndPoint().close(failure);
    }
    UpstreamOutcome outcome = UpstreamFailures.classify(failure);
    attempt.failed(outcome, failure, false, false);
  }

  private byte[] head() {
    Request request = attempt.request();
    RequestRewrite rewrite = attempt.rewrite();
    StringBuilder out = new StringBuilder(512);
    out.append(request.getMethod()).append(' ').append(rewrite.path(request.getHttpURI()));
    String query = request.getHttpURI().getQuery();
    if (query != null) {
      out.append('?').append(query);
    }
    out.append(" HTTP/1.1\r\n");
    rewrite.headers(
        request,
        attempt.endpoint(),
        (name, value) -> out.append(name).append(": ").append(value).append("\r\n"));
    // Upgrade and Connection are hop-by-hop, so the rewrite dropped them: this hop asks for the
    // same switch.
    out.append("Connection: Upgrade\r\nUpgrade: ")
        .append(request.getHeaders().get(HttpHeader.UPGRADE))
        .append("\r\n\r\n");
    return out.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void startResponse(HttpVersion version, int status, String reason) {
    this.status = status;
  }

  @Override
  public void parsedHeader(HttpField field) {
    headers.add(field);
  }

  @Override
  public boolean headerComplete() {
    headComplete = true;
    // 101: stop here, whatever follows is the new protocol's.
    return status == HttpStatus.SWITCHING_PROTOCOLS_101;
  }

  @Override
  public boolean content(ByteBuffer content) {
    ByteBuffer collected = body;
    if (collected == null) {
      collected = ByteBuffer.allocate(MAX_BODY);
      body = collected;
    }
    if (content.remaining() > collected.remaining()) {
      throw new IllegalStateException("upgrade refusal body larger than " + MAX_BODY);
    }
    collected.put(content);
    return false;
  }

  @Override
  public boolean contentComplete() {
    return false;
  }

  @Override
  public boolean messageComplete() {
    messageComplete = true;
    return true;
  }

  @Override
  public void earlyEOF() {
    fail(new java.io.EOFException("upstream closed during the upgrade handshake"));
  }

  @Override
  public void badMessage(HttpException failure) {
    fail(new IOException("bad upgrade answer: " + failure.getReason()));
  }

  /** The backend switched protocols: answer the client 101 and join the legs. */
  private void switched(Upstream upstream) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    Request request = attempt.request();
    Response response = attempt.response();
    EndPoint clientEndPoint = request.getConnectionMetaData().getConnection().getEndPoint();
    UpgradeTunnelTransport.Settings settings = transport.settings();
    int size = settings.bufferSize();
    Splice down = new Splice(clientEndPoint, executor, buffers, size);
    Splice up = new Splice(upstream.getEndPoint(), executor, buffers, size);
    Splice.join(down, up);
    // The route's idle timeout, when it has one, is the tunnel's too (nginx's proxy_read_timeout).
    long idle =
        attempt.idleTimeoutMillis() > 0
            ? attempt.idleTimeoutMillis()
            : settings.idleTimeout().toMillis();
    ByteBuffer rest = BufferUtil.hasContent(input) ? input.slice() : null;
    // The client leg is live once Jetty has written the 101 and switched its endpoint; only then
    // may backend bytes (a server's first message may come with the 101) flow to it.
    down.onOpened(
        () -> {
          clientEndPoint.setIdleTimeout(idle);
          upstream.getEndPoint().setIdleTimeout(idle);
          if (rest != null) {
            up.onUpgradeTo(rest);
          }
          upstream.getEndPoint().upgrade(up);
        });
    response.setStatus(HttpStatus.SWITCHING_PROTOCOLS_101);
    HttpFields.Mutable out = response.getHeaders();
    for (HttpField field : headers) {
      HttpHeader header = field.getHeader();
      if (header == HttpHeader.SERVER
          || header == HttpHeader.DATE // the node's server adds its own
          || header == HttpHeader.X_POWERED_BY
          || header == HttpHeader.CONTENT_LENGTH
          || header == HttpHeader.TRANSFER_ENCODING) {
        continue;
      }
      out.add(field);
    }
    attempt.rewrite().responseHeaders(request, attempt.context(), out);
    request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, down);
    attempt.completed(null);
  }

  /** The backend answered without switching: relay its answer and close this connection. */
  private void refused(Upstream upstream) {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    upstream.getEndPoint().close();
    Response response = attempt.response();
    response.setStatus(status);
    for (HttpField field : headers) {
      HttpHeader header = field.getHeader();
      if (header == HttpHeader.SERVER
          || header == HttpHeader.DATE // the node's server adds its own
          || header == HttpHeader.X_POWERED_BY
          || header == HttpHeader.CONNECTION
          || header == HttpHeader.TRANSFER_ENCODING
          || header == HttpHeader.CONTENT_LENGTH) {
        continue;
      }
      response.getHeaders().add(field);
    }
    attempt.rewrite().responseHeaders(attempt.request(), attempt.context(), response.getHeaders());
    ByteBuffer collected = body;
    ByteBuffer content = collected == null ? BufferUtil.EMPTY_BUFFER : collected.flip();
    response.write(true, content, Callback.from(() -> attempt.completed(null), attempt::completed));
  }

  /** The upstream connection during the handshake. */
  private final class Upstream extends AbstractConnection implements Connection.UpgradeFrom {
    Upstream(EndPoint endPoint) {
      super(endPoint, executor);
    }

    @Override
    public void onOpen() {
      super.onOpen();
      getEndPoint()
          .write(
              Callback.from(this::fillInterested, Handshake.this::fail), ByteBuffer.wrap(head()));
    }

    @Override
    public void onFillable() {
      try {
        while (true) {
          int filled = getEndPoint().fill(input);
          if (filled < 0) {
            parser.atEOF();
          }
          parser.parseNext(input);
          if (headComplete && status == HttpStatus.SWITCHING_PROTOCOLS_101) {
            switched(this);
            return;
          }
          if (messageComplete) {
            refused(this);
            return;
          }
          if (filled < 0 || done.get()) {
            if (!done.get()) {
              fail(new java.io.EOFException("upstream closed during the upgrade handshake"));
            }
            return;
          }
          if (filled == 0) {
            if (!input.hasRemaining() && BufferUtil.space(input) == 0) {
              fail(new IOException("upgrade answer head too large"));
              return;
            }
            fillInterested();
            return;
          }
        }
      } catch (Throwable failure) {
        fail(failure);
      }
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
      fail(timeout);
      return true;
    }

    @Override
    public ByteBuffer onUpgradeFrom() {
      return BufferUtil.EMPTY_BUFFER; // the leftover goes to the splice through onUpgradeTo
    }
  }
}
