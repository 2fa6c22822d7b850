package dev.concierge.dataplane.upstream;

import dev.concierge.dataplane.PlainText;
import dev.concierge.dataplane.upstream.LeanConnector.SelectorPools;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxied request on {@link LeanProxyTransport}: the re-framed request head, the body pump,
 * the attempt on its current {@link UpstreamConnection}, at most one retry, and the single
 * completion (outcome reported and handler callback completed exactly once).
 *
 * <p>Thread-safe: the end of an attempt is claimed with compare-and-set on the current
 * connection, the end of the exchange with compare-and-set on {@code done}.
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
      CONNECTION = lookup.findVarHandle(UpstreamExchange.class, "connection", UpstreamConnection.class);
      DONE = lookup.findVarHandle(UpstreamExchange.class, "done", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final LeanProxyTransport transport;
  private final UpstreamTarget target;
  private final Request request;
  private final Response response;
  private final Callback callback;
  final SelectorPools pools;
  final UpstreamPool pool;
  private final boolean head;
  private final boolean hasBody;
  private final boolean chunked;
  private final boolean retryable;
  private final long startNanos;
  private final long timeoutNanos;
  private final long timeoutMillis;
  private final RetainableByteBuffer headBuffer;

  @SuppressWarnings("unused") // VarHandle
  private volatile UpstreamConnection connection;
  @SuppressWarnings("unused") // VarHandle
  private volatile boolean done;
  private volatile boolean reused;
  private volatile boolean retried;
  private volatile boolean responseBegun;
  private volatile BodyPump pump;

  UpstreamExchange(LeanProxyTransport transport, UpstreamTarget target, Request request,
      Response response, Callback callback, SelectorPools pools, UpstreamPool pool,
      boolean hasBody, boolean chunked, RetainableByteBuffer headBuffer) {
    this.transport = transport;
    this.target = target;
    this.request = request;
    this.response = response;
    this.callback = callback;
    this.pools = pools;
    this.pool = pool;
    String method = request.getMethod();
    this.head = "HEAD".equals(method);
    this.hasBody = hasBody;
    this.chunked = chunked;
    // A body is replayable only if the request can rewind it (the admission stage buffers bodies
    // and can); that is checked when a retry is due.
    this.retryable = isIdempotent(method);
    this.timeoutMillis = Math.max(1, target.timeout().toMillis());
    this.timeoutNanos = timeoutMillis * 1_000_000L;
    this.startNanos = System.nanoTime();
    this.headBuffer = headBuffer;
  }

  private static boolean isIdempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
      default -> false;
    };
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

  long connectTimeoutMillis() {
    return Math.max(1, target.cluster().connectTimeout().toMillis());
  }

  Endpoint endpoint() {
    return target.endpoint();
  }

  boolean deadlinePassed() {
    return System.nanoTime() - startNanos > timeoutNanos;
  }

  Response response() {
    return response;
  }

  void responseBegun() {
    responseBegun = true;
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

  /**
   * The attempt on {@code c} failed; retried once on a fresh connection if the pooled connection
   * turned out to be closed before any response byte, the method is idempotent and its body, if
   * any, can be replayed from the start ({@link Request#rewind()}). Otherwise the exchange fails.
   */
  void attemptFailed(UpstreamConnection c, Throwable failure, boolean bytesReceived) {
    if (!claim(c)) {
      return;
    }
    c.close();
    // Only a connection found closed qualifies: a timeout is no sign of a stale connection.
    if (reused && !retried && !bytesReceived && retryable && !done
        && !(failure instanceof java.util.concurrent.TimeoutException)
        && replayable(failure)) {
      retried = true;
      if (LOG.isDebugEnabled()) {
        LOG.debug("retrying on a fresh connection to {}: {}", target.endpoint(), failure.toString());
      }
      transport.connect(this);
      return;
    }
    fail(failure);
  }

  /** Stops the failed attempt's body pump and rewinds the body; true when there is none. */
  private boolean replayable(Throwable failure) {
    if (!hasBody) {
      return true;
    }
    BodyPump bodyPump = pump;
    if (bodyPump != null && !bodyPump.isSucceeded()) {
      // Its pending write, if any, fails on the closed connection and is then ignored (claimed).
      bodyPump.abort(failure);
    }
    return request.rewind();
  }

  /** The client went away while the response was relayed. */
  void clientFailed(UpstreamConnection c, Throwable failure) {
    if (claim(c)) {
      c.close();
    }
    if (DONE.compareAndSet(this, false, true)) {
      target.outcomes().accept(UpstreamOutcome.RESPONSE);
      cleanUp(failure);
      callback.failed(failure);
    }
  }

  /** The response was relayed in full. */
  void succeeded() {
    if (DONE.compareAndSet(this, false, true)) {
      target.outcomes().accept(UpstreamOutcome.RESPONSE);
      cleanUp(null);
      callback.succeeded();
    }
  }

  private void fail(Throwable failure) {
    if (!DONE.compareAndSet(this, false, true)) {
      return;
    }
    UpstreamOutcome outcome = UpstreamFailures.classify(failure, responseBegun);
    target.outcomes().accept(outcome);
    if (LOG.isDebugEnabled()) {
      LOG.debug("P2S {} to {} failed: {}", outcome, target.endpoint(), failure.toString());
    }
    cleanUp(failure);
    if (response.isCommitted()) {
      // Part of the upstream response is already with the client: only an abort tells it.
      callback.failed(failure);
      return;
    }
    response.reset();
    switch (outcome) {
      case TIMEOUT -> PlainText.write(response, callback,
          HttpStatus.GATEWAY_TIMEOUT_504, "upstream timed out\n");
      case REFUSED -> PlainText.write(response, callback,
          HttpStatus.BAD_GATEWAY_502, "upstream connection refused\n");
      case RESET -> PlainText.write(response, callback,
          HttpStatus.BAD_GATEWAY_502, "upstream connection reset\n");
      default -> PlainText.write(response, callback,
          HttpStatus.BAD_GATEWAY_502, "upstream error\n");
    }
  }

  private void cleanUp(Throwable failure) {
    BodyPump bodyPump = pump;
    if (bodyPump != null && !bodyPump.isSucceeded()) {
      bodyPump.abort(failure != null ? failure : new java.io.IOException("exchange ended"));
    }
    headBuffer.release();
  }

  /**
   * Streams the request body upstream with back-pressure: reads a chunk from the server request,
   * writes it (framed by Content-Length or chunked), reads the next only when that write
   * succeeded, and demands when nothing is available. The head goes out with the first chunk
   * when one is already there.
   */
  private final class BodyPump extends IteratingCallback implements Runnable {
    private final UpstreamConnection c;
    private final ByteBuffer sizeLine = ByteBuffer.allocate(18);
    private final ByteBuffer crlf = ByteBuffer.wrap(CRLF);
    private final ByteBuffer lastChunk = ByteBuffer.wrap(LAST_CHUNK);
    private ByteBuffer headBytes;
    private Content.Chunk current;
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
        Content.Chunk chunk = request.read();
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
        attemptFailed(c, failure, c.bytesReceived());
      }
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }
}
