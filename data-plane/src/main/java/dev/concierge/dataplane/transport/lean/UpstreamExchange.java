package dev.concierge.dataplane.transport.lean;

import dev.concierge.dataplane.cluster.CircuitBreaker;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.transport.lean.LeanConnector.SelectorPools;
import dev.concierge.dataplane.upstream.UpstreamFailures;
import dev.concierge.dataplane.upstream.UpstreamOutcome;
import dev.concierge.dataplane.upstream.UpstreamTry;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.IteratingCallback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One try of a proxied request on {@link LeanProxyTransport}: the re-framed request head, the body
 * pump, the attempt on its {@link UpstreamConnection}, and the single report of how it ended to its
 * {@link UpstreamTry} (which decides about retries and error answers).
 *
 * <p>Thread-safe: the end of an attempt is claimed with compare-and-set on the current connection,
 * the end of the exchange with compare-and-set on {@code done}.
 */
final class UpstreamExchange {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamExchange.class);
  private static final VarHandle CONNECTION;
  private static final VarHandle DONE;
  private static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      CONNECTION =
          lookup.findVarHandle(UpstreamExchange.class, "connection", UpstreamConnection.class);
      DONE = lookup.findVarHandle(UpstreamExchange.class, "done", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final LeanProxyTransport transport;
  private final UpstreamTry attempt;
  private final Request request;
  private final Response response;
  final SelectorPools pools;
  final UpstreamPool pool;
  private final boolean head;
  private final boolean hasBody;
  private final boolean chunked;
  private final long startNanos;
  private final long timeoutNanos;
  private final long timeoutMillis;
  private final long activityTimeoutMillis;
  private final RetainableByteBuffer headBuffer;

  @SuppressWarnings("unused") // VarHandle
  private volatile @Nullable UpstreamConnection connection;

  @SuppressWarnings("unused") // VarHandle
  private volatile boolean done;

  private volatile boolean reused;
  private volatile @Nullable BodyPump pump;
  // A body chunk read before the exchange started (HTTP/2 body detection), sent first.
  private Content.@Nullable Chunk firstChunk;
  private final boolean preRead;

  UpstreamExchange(
      LeanProxyTransport transport,
      UpstreamTry attempt,
      SelectorPools pools,
      UpstreamPool pool,
      boolean hasBody,
      boolean chunked,
      RetainableByteBuffer headBuffer,
      Content.@Nullable Chunk firstChunk) {
    this.transport = transport;
    this.firstChunk = firstChunk;
    this.preRead = firstChunk != null;
    this.attempt = attempt;
    this.request = attempt.request();
    this.response = attempt.response();
    this.pools = pools;
    this.pool = pool;
    String method = request.getMethod();
    this.head = "HEAD".equals(method);
    this.hasBody = hasBody;
    this.chunked = chunked;
    this.timeoutMillis = attempt.timeoutMillis();
    this.timeoutNanos = timeoutMillis * 1_000_000L;
    long idle = attempt.idleTimeoutMillis();
    this.activityTimeoutMillis = idle > 0 ? Math.min(idle, timeoutMillis) : timeoutMillis;
    this.startNanos = System.nanoTime();
    this.headBuffer = headBuffer;
  }

  boolean hasBody() {
    return hasBody;
  }

  boolean isHead() {
    return head;
  }

  long timeoutMillis() {
    return timeoutMillis;
  }

  /**
   * The upstream endpoint's idle timeout during the exchange: the try's timeout, or the route's
   * idle timeout when shorter. Either way its expiry ends the try as a timeout.
   */
  long activityTimeoutMillis() {
    return activityTimeoutMillis;
  }

  /** Whether the handler drops a response of {@code status} for another try. */
  boolean retryOnStatus(int status) {
    return attempt.retryOnStatus(status);
  }

  /** The final response head is in the client response, not yet committed: the route's edits. */
  void responseHead() {
    attempt
        .rewrite()
        .responseHeaders(attempt.request(), attempt.context(), attempt.response().getHeaders());
  }

  long connectTimeoutMillis() {
    return Math.max(1, attempt.cluster().connectTimeout().toMillis());
  }

  Endpoint endpoint() {
    return attempt.endpoint();
  }

  /** The circuit breaker of the try's cluster. */
  CircuitBreaker breaker() {
    return attempt.cluster().breaker();
  }

  /** The TLS of the try's cluster, or null when its endpoints speak plain text. */
  @Nullable UpstreamTlsPolicy tls() {
    return attempt.cluster().tls();
  }

  /** The endpoints of the try's cluster. */
  java.util.List<Endpoint> clusterEndpoints() {
    return attempt.cluster().endpoints();
  }

  boolean deadlinePassed() {
    return System.nanoTime() - startNanos > timeoutNanos;
  }

  Response response() {
    return response;
  }

  /** Sends the request on {@code c} (pooled when {@code reused}). Any thread. */
  void start(UpstreamConnection c, boolean reused) {
    this.reused = reused;
    CONNECTION.setVolatile(this, c);
    c.begin(this);
    ByteBuffer bytes = headBuffer.getByteBuffer();
    bytes.position(0);
    if (!hasBody) {
      c.getEndPoint().write(c.requestWritten(), bytes);
    } else {
      BodyPump bodyPump = new BodyPump(c, bytes);
      pump = bodyPump;
      bodyPump.iterate();
    }
  }

  /** Connecting failed (refused, timed out, unresolvable). */
  void connectFailed(Throwable failure) {
    fail(failure);
  }

  /** Whether {@code c} may end its attempt now (nobody else has). */
  boolean claim(UpstreamConnection c) {
    return CONNECTION.compareAndSet(this, c, null);
  }

  /** The try on {@code c} failed before its response was committed to the client. */
  void attemptFailed(UpstreamConnection c, Throwable failure) {
    if (!claim(c)) {
      return;
    }
    c.close();
    // A failed handshake may first surface as the closed channel it leaves: its cause is told.
    Throwable handshake = c.handshakeFailure();
    fail(handshake != null ? handshake : failure);
  }

  /** The client went away while the response was relayed. */
  void clientFailed(UpstreamConnection c, Throwable failure) {
    if (claim(c)) {
      c.close();
    }
    if (DONE.compareAndSet(this, false, true)) {
      cleanUp(failure);
      attempt.completed(failure);
    }
  }

  /** The response was relayed in full. */
  void succeeded() {
    if (DONE.compareAndSet(this, false, true)) {
      cleanUp(null);
      attempt.completed(null);
    }
  }

  private void fail(Throwable failure) {
    if (!DONE.compareAndSet(this, false, true)) {
      return;
    }
    BodyPump bodyPump = pump;
    boolean bodyTouched = bodyPump != null || preRead;
    cleanUp(failure);
    if (response.isCommitted()) {
      // Part of the upstream response is already with the client: only an abort tells it.
      attempt.completed(failure);
      return;
    }
    UpstreamOutcome outcome = UpstreamFailures.classify(failure);
    if (LOG.isDebugEnabled()) {
      LOG.debug("P2S {} to {} failed: {}", outcome, attempt.endpoint(), failure.toString());
    }
    attempt.failed(outcome, failure, reused, bodyTouched);
  }

  private void cleanUp(@Nullable Throwable failure) {
    Content.Chunk unsent = firstChunk;
    if (unsent != null && pump == null) {
      firstChunk = null;
      unsent.release();
    }
    BodyPump bodyPump = pump;
    if (bodyPump != null && !bodyPump.isSucceeded()) {
      bodyPump.abort(failure != null ? failure : new java.io.IOException("exchange ended"));
    }
    headBuffer.release();
  }

  /**
   * Streams the request body upstream with back-pressure: reads a chunk from the server request,
   * writes it (framed by Content-Length or chunked), reads the next only when that write succeeded,
   * and demands when nothing is available. The head goes out with the first chunk when one is
   * already there.
   */
  private final class BodyPump extends IteratingCallback implements Runnable {
    private final UpstreamConnection c;
    private final ByteBuffer sizeLine = ByteBuffer.allocate(18);
    private final ByteBuffer crlf = ByteBuffer.wrap(CRLF);
    private final ByteBuffer lastChunk = ByteBuffer.wrap(LAST_CHUNK);
    private @Nullable ByteBuffer headBytes;
    private Content.@Nullable Chunk current;
    private boolean finished;
    private boolean clientFailure;

    BodyPump(UpstreamConnection c, ByteBuffer headBytes) {
      this.c = c;
      this.headBytes = headBytes;
    }

    @Override
    protected Action process() throws Throwable {
      releaseCurrent();
      if (finished) {
        return Action.SUCCEEDED;
      }
      while (true) {
        Content.Chunk chunk = firstChunk;
        if (chunk != null) {
          firstChunk = null;
        } else {
          chunk = request.read();
        }
        if (chunk == null) {
          if (headBytes != null) {
            ByteBuffer bytes = headBytes;
            headBytes = null;
            c.getEndPoint().write(this, bytes);
            return Action.SCHEDULED;
          }
          request.demand(this);
          return Action.IDLE;
        }
        if (Content.Chunk.isFailure(chunk)) {
          clientFailure = true;
          throw chunk.getFailure();
        }
        boolean last = chunk.isLast();
        ByteBuffer data = chunk.getByteBuffer();
        int length = data.remaining();
        if (length == 0 && !last) {
          chunk.release();
          continue;
        }
        current = chunk;
        finished = last;
        ByteBuffer[] parts = new ByteBuffer[5];
        int n = 0;
        if (headBytes != null) {
          parts[n++] = headBytes;
          headBytes = null;
        }
        if (length > 0) {
          if (chunked) {
            parts[n++] = sizeLine(length);
            parts[n++] = data;
            crlf.clear();
            parts[n++] = crlf;
          } else {
            parts[n++] = data;
          }
        }
        if (last && chunked) {
          lastChunk.clear();
          parts[n++] = lastChunk;
        }
        if (n == 0) {
          releaseCurrent();
          return Action.SUCCEEDED;
        }
        c.getEndPoint().write(this, n == parts.length ? parts : java.util.Arrays.copyOf(parts, n));
        return Action.SCHEDULED;
      }
    }

    private ByteBuffer sizeLine(int length) {
      sizeLine.clear();
      int shift = 28;
      while (shift > 0 && ((length >>> shift) & 0xF) == 0) {
        shift -= 4;
      }
      for (; shift >= 0; shift -= 4) {
        sizeLine.put(HEX[(length >>> shift) & 0xF]);
      }
      sizeLine.put(CRLF);
      return sizeLine.flip();
    }

    private void releaseCurrent() {
      Content.Chunk chunk = current;
      if (chunk != null) {
        current = null;
        chunk.release();
      }
    }

    /** Demand callback: more body content may be available. */
    @Override
    public void run() {
      iterate();
    }

    @Override
    protected void onCompleteSuccess() {
      c.requestComplete();
    }

    @Override
    protected void onCompleteFailure(Throwable failure) {
      releaseCurrent();
      if (clientFailure) {
        clientFailed(c, failure);
      } else {
        attemptFailed(c, failure);
      }
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }
}
