package dev.concierge.dataplane.server;

import static java.util.Objects.requireNonNull;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/1.1 with a total deadline for each request's header block: a client that trickles its
 * request line and headers is closed when the deadline passes, however often bytes arrive (Jetty's
 * idle timeout is reset by every byte, so alone it lets a trickler stay for ever).
 *
 * <p>The clock starts when the connection opens, and on a kept-alive connection at the first byte
 * of the next request (the wait between requests stays under the connector's idle timeout, as
 * nginx's {@code keepalive_timeout}). It stops when the header block is complete. On expiry the
 * connection is closed without a response (nginx's {@code client_header_timeout} does the same).
 *
 * <p>Hook: Jetty 12.1 has no header timeout, so each connection is a subclass of Jetty's {@link
 * HttpConnection} whose {@link HttpParser} reports its state changes: leaving {@code START} is the
 * first byte of a request, reaching {@code CONTENT} or later is the end of the header block. The
 * parser runs on whichever thread fills the connection; the timer on the connector's scheduler,
 * scheduled only if a parse call ends inside a header block (see {@code pending}). {@code
 * HttpConnection} lives in Jetty's {@code internal} package: re-check on Jetty upgrades ({@code
 * HeaderDeadlineTest} fails if the hook stops firing).
 */
public final class HeaderDeadlineConnectionFactory extends HttpConnectionFactory {
  private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadlineConnectionFactory.class);

  private final long timeoutMillis;

  public HeaderDeadlineConnectionFactory(HttpConfiguration config, Duration headerTimeout) {
    super(config);
    this.timeoutMillis = requireNonNull(headerTimeout, "headerTimeout").toMillis();
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("headerTimeout must be positive: " + headerTimeout);
    }
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    // As HttpConnectionFactory.newConnection in 12.1.14, with our connection class.
    DeadlineConnection connection =
        new DeadlineConnection(getHttpConfiguration(), connector, endPoint, timeoutMillis);
    connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
    return configure(connection, connector, endPoint);
  }

  /** One HTTP/1.1 connection with its header deadline. */
  private static final class DeadlineConnection extends HttpConnection {
    private final Scheduler scheduler;
    private final long timeoutMillis;
    private final AtomicReference<Deadline> deadline = new AtomicReference<>();
    // A header block that started during the current parseNext call and has no timer yet. Parser
    // thread only. Most requests arrive whole, so their header block starts and completes within
    // one parseNext call: the timer is only scheduled if the call ends with the block incomplete,
    // which spares a scheduler insert, cancel and often a wake-up of its thread per request.
    private boolean pending;

    DeadlineConnection(
        HttpConfiguration config, Connector connector, EndPoint endPoint, long timeoutMillis) {
      super(config, connector, endPoint);
      this.scheduler = connector.getScheduler();
      this.timeoutMillis = timeoutMillis;
    }

    @Override
    protected HttpParser newHttpParser(HttpCompliance compliance) {
      // Called from HttpConnection's constructor: no field of this class is set yet, so the parser
      // only keeps "this" and calls back once parsing starts. The request handler is private to
      // HttpConnection; the parser Jetty would build hands it over.
      HttpParser plain = super.newHttpParser(compliance);
      HttpParser parser =
          new DeadlineParser(
              (HttpParser.RequestHandler) plain.getHandler(),
              getHttpConfiguration().getRequestHeaderSize(),
              compliance,
              this);
      parser.setHeaderCacheSize(plain.getHeaderCacheSize());
      parser.setHeaderCacheCaseSensitive(plain.isHeaderCacheCaseSensitive());
      return parser;
    }

    @Override
    public void onOpen() {
      // A new connection must deliver its first request's headers within the deadline too. Armed
      // before super.onOpen(), which asks to be filled: the request may be parsed on another
      // thread before that call returns, and must find the deadline armed so that it can disarm it.
      arm();
      super.onOpen();
    }

    @Override
    public void onClose(Throwable cause) {
      disarm();
      super.onClose(cause);
    }

    void arm() {
      if (deadline.get() != null) {
        return;
      }
      Deadline next = new Deadline();
      if (deadline.compareAndSet(null, next)) {
        next.task = scheduler.schedule(next, timeoutMillis, TimeUnit.MILLISECONDS);
      }
    }

    /** The parser left START: a header block started; its timer waits for the end of the call. */
    void armLater() {
      if (deadline.get() == null) {
        pending = true;
      }
    }

    /** The end of a parseNext call: arm the deadline of a header block still incomplete. */
    void armPending() {
      if (pending) {
        pending = false;
        arm();
      }
    }

    void disarm() {
      pending = false;
      if (deadline.get() == null) {
        return;
      }
      Deadline current = deadline.getAndSet(null);
      Scheduler.Task task = current == null ? null : current.task;
      // A task not yet set finds itself no longer current when it fires, and does nothing.
      if (task != null) {
        task.cancel();
      }
    }

    /** One armed deadline; identity tells a stale timer from the one in force. */
    private final class Deadline implements Runnable {
      volatile Scheduler.@Nullable Task task;

      @Override
      public void run() {
        expire(this);
      }
    }

    private void expire(Deadline expired) {
      // Only the deadline still in force, and only while this connection owns the endpoint.
      if (!deadline.compareAndSet(expired, null)) {
        return;
      }
      EndPoint endPoint = getEndPoint();
      if (endPoint.getConnection() != this) {
        return;
      }
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "closing {}: request header block not complete within {} ms",
            endPoint.getRemoteSocketAddress(),
            timeoutMillis);
      }
      endPoint.close(new TimeoutException("request header timed out"));
    }
  }

  /** Reports the start of a request and the end of its header block to the connection. */
  private static final class DeadlineParser extends HttpParser {
    private final DeadlineConnection connection;

    DeadlineParser(
        RequestHandler handler,
        int maxHeaderBytes,
        HttpCompliance compliance,
        DeadlineConnection connection) {
      super(handler, maxHeaderBytes, compliance);
      this.connection = connection;
    }

    @Override
    public boolean parseNext(ByteBuffer buffer) {
      try {
        return super.parseNext(buffer);
      } finally {
        connection.armPending();
      }
    }

    @Override
    protected void setState(State state) {
      State previous = getState();
      super.setState(state);
      // Null only while HttpParser's own constructor runs.
      if (connection == null || previous == null) {
        return;
      }
      if (previous == State.START && state != State.START && state.compareTo(State.CONTENT) < 0) {
        connection.armLater();
      } else if (state.compareTo(State.CONTENT) >= 0) {
        connection.disarm();
      }
    }
  }
}
