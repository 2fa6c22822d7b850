package dev.concierge.dataplane.server;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.limits.LimitCounters;
import dev.concierge.dataplane.limits.ListenerLimits;
import dev.concierge.dataplane.limits.Refusal;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
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
 *
 * <p>The same connection applies the request limits of the node's connection-limits policy, read as
 * each connection opens (a new policy applies to connections opened after it arrived): the header
 * block size is Jetty's own parser limit (431, or 414 for a request line alone too long), given by
 * a copy of the {@link HttpConfiguration} made once per policy; a connection with more to judge
 * (header count, URI length, requests per connection) is a {@link LimitedConnection}. Every 414 and
 * 431 is counted on the listener's {@link LimitCounters}. Without a policy a connection is as
 * before.
 */
public final class HeaderDeadlineConnectionFactory extends HttpConnectionFactory {
  private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadlineConnectionFactory.class);

  private final long timeoutMillis;
  private final Supplier<ListenerLimits> limits;
  private final LimitCounters refusals;
  // The configuration of the last limits seen: the base one with their header block size.
  private volatile Configured configured;

  /** The configuration a set of limits gives connections. */
  private record Configured(ListenerLimits limits, HttpConfiguration config) {}

  /** No limits but Jetty's defaults; refusals counted on a counter of its own (tests). */
  public HeaderDeadlineConnectionFactory(HttpConfiguration config, Duration headerTimeout) {
    this(config, headerTimeout, () -> ListenerLimits.NONE, new LimitCounters());
  }

  /**
   * Connections with the request limits {@code limits} gives as each opens, counting 414 and 431
   * answers on {@code refusals}.
   */
  public HeaderDeadlineConnectionFactory(
      HttpConfiguration config,
      Duration headerTimeout,
      Supplier<ListenerLimits> limits,
      LimitCounters refusals) {
    super(config);
    this.timeoutMillis = requireNonNull(headerTimeout, "headerTimeout").toMillis();
    if (timeoutMillis <= 0) {
      throw new IllegalArgumentException("headerTimeout must be positive: " + headerTimeout);
    }
    this.limits = requireNonNull(limits, "limits");
    this.refusals = requireNonNull(refusals, "refusals");
    this.configured = new Configured(ListenerLimits.NONE, config);
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    // As HttpConnectionFactory.newConnection in 12.1.14, with our connection classes.
    ListenerLimits in = limits.get();
    HttpConfiguration config = configurationFor(in);
    DeadlineConnection connection =
        in.judgesRequests()
            ? new LimitedConnection(config, connector, endPoint, timeoutMillis, refusals, in)
            : new DeadlineConnection(config, connector, endPoint, timeoutMillis, refusals);
    connection.setTransferEncodingChunkMaxLength(getTransferEncodingChunkMaxLength());
    return configure(connection, connector, endPoint);
  }

  /** The base configuration with the header block size of {@code in}, made once per limits. */
  private HttpConfiguration configurationFor(ListenerLimits in) {
    Configured last = configured;
    if (last.limits.equals(in)) {
      return last.config;
    }
    HttpConfiguration config = getHttpConfiguration();
    if (in.maxHeaderBytes() > 0) {
      config = new HttpConfiguration(config);
      config.setRequestHeaderSize(in.maxHeaderBytes());
    }
    configured = new Configured(in, config);
    return config;
  }

  /** One HTTP/1.1 connection with its header deadline. */
  static class DeadlineConnection extends HttpConnection {
    private final Scheduler scheduler;
    private final long timeoutMillis;
    private final LimitCounters refusals;
    // Why the request being parsed is refused, when a limit of ours refuses it. Parser thread only.
    private @Nullable Refusal refusing;
    private final AtomicReference<Deadline> deadline = new AtomicReference<>();
    // A header block that started during the current parseNext call and has no timer yet. Parser
    // thread only. Most requests arrive whole, so their header block starts and completes within
    // one parseNext call: the timer is only scheduled if the call ends with the block incomplete,
    // which spares a scheduler insert, cancel and often a wake-up of its thread per request.
    private boolean pending;

    DeadlineConnection(
        HttpConfiguration config,
        Connector connector,
        EndPoint endPoint,
        long timeoutMillis,
        LimitCounters refusals) {
      super(config, connector, endPoint);
      this.scheduler = connector.getScheduler();
      this.timeoutMillis = timeoutMillis;
      this.refusals = refusals;
    }

    @Override
    protected HttpConnection.RequestHandler newRequestHandler() {
      // Called from HttpConnection's constructor, as newHttpParser: the handler reads this
      // connection's fields only when parsing has started.
      return new CountingHandler();
    }

    /** Refuses the request being parsed, for a limit of ours: {@code status} 414 or 431. */
    final HttpException.RuntimeException refuse(Refusal why, int status, String reason) {
      refusing = why;
      return new HttpException.RuntimeException(status, reason);
    }

    /** Jetty's request handler, counting the 414 and 431 answers (ours and the parser's). */
    class CountingHandler extends HttpConnection.RequestHandler {
      @Override
      public void badMessage(HttpException failure) {
        Refusal ours = refusing;
        refusing = null;
        if (ours != null) {
          refusals.count(ours);
        } else if (failure.getCode() == HttpStatus.URI_TOO_LONG_414) {
          refusals.count(Refusal.URI_LENGTH);
        } else if (failure.getCode() == HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431) {
          refusals.count(Refusal.HEADER_BYTES);
        }
        super.badMessage(failure);
      }
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
        HttpParser.RequestHandler handler,
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
