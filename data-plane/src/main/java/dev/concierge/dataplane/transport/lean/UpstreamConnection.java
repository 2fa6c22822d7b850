package dev.concierge.dataplane.transport.lean;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.CircuitBreaker;
import dev.concierge.dataplane.upstream.RetriedStatusException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/1.1 connection to an upstream endpoint, registered with the selector of the downstream
 * connection that opened it. Carries one {@link UpstreamExchange} at a time and, between exchanges,
 * waits in its {@link UpstreamPool}.
 *
 * <p>The response head is parsed by {@link ResponseHeadParser}; a body is relayed by its {@code
 * Content-Length}, until the connection closes, or, when chunked, de-chunked by Jetty's {@link
 * HttpParser} (primed with a stand-in head, so only its chunk decoder is used).
 *
 * <p>Threads: the response side ({@link #onFillable()}: fill, parse, write to the client {@code
 * Response}) runs on the selector thread, since the connection is non-blocking; it continues on the
 * thread that completes the client write, which is the same selector thread when the client
 * connection lives there. The next upstream read is only attempted after the client write of the
 * previous bytes succeeded (demand-based back-pressure), and the read buffer is never released
 * while such a write is pending. The request side (head and body writes) runs on whatever thread
 * started the exchange or supplied body content. Pool state changes are compare-and-set, so
 * acquisition from any thread is safe.
 */
final class UpstreamConnection extends AbstractConnection.NonBlocking {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamConnection.class);
  private static final int BUSY = 0;
  private static final int IDLE = 1;
  private static final int CLOSED = 2;
  private static final int W_NONE = 0;
  private static final int W_PENDING = 1;
  private static final int W_DONE = 2;
  private static final int W_ASYNC = 3;
  private static final int REQUEST_DONE = 1;
  private static final int RESPONSE_DONE = 2;
  // How the body of the current response is read.
  private static final int B_HEAD = 0;
  private static final int B_LENGTH = 1;
  private static final int B_CHUNKED = 2;
  private static final int B_UNTIL_CLOSE = 3;
  private static final ByteBuffer CHUNKED_HEAD =
      BufferUtil.toBuffer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  private static final VarHandle STATE;
  private static final VarHandle WRITE;
  private static final VarHandle SIDES;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.lookup();
      STATE = lookup.findVarHandle(UpstreamConnection.class, "state", int.class);
      WRITE = lookup.findVarHandle(UpstreamConnection.class, "writeState", int.class);
      SIDES = lookup.findVarHandle(UpstreamConnection.class, "sides", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final PendingConnect opener;
  private final UpstreamPool pool;
  private final LeanProxyTransport transport;
  private final ByteBufferPool buffers;
  private final ResponseHeadParser head;
  private final HttpParser chunks;
  private final Callback clientWrite = new ClientWrite();
  private final Callback requestWritten = new RequestWritten();
  private final ManagedSelector selector;

  @SuppressWarnings("unused") // VarHandle
  private volatile int state = BUSY;

  @SuppressWarnings("unused") // VarHandle
  private volatile int writeState = W_NONE;

  @SuppressWarnings("unused") // VarHandle: REQUEST_DONE | RESPONSE_DONE of the current exchange
  private volatile int sides;

  private volatile @Nullable UpstreamExchange exchange;
  private volatile @Nullable UpstreamExchange succeedWhenWritten;
  private volatile boolean requestComplete;
  private volatile boolean bytesReceived;
  private volatile boolean timedOut;
  private volatile @Nullable Throwable clientWriteFailure;
  private volatile @Nullable Throwable handshakeFailure;

  // Response side; only touched by whoever holds the response side (see class comment).
  private @Nullable RetainableByteBuffer input;
  private int bodyMode;
  private long remaining;
  private boolean messageDone;
  private boolean writeIssued;
  private boolean parseAgain;
  private @Nullable Throwable parseFailure;

  UpstreamConnection(EndPoint endPoint, Executor executor, PendingConnect opener) {
    super(endPoint, executor);
    this.opener = opener;
    this.pool = opener.pool;
    this.transport = opener.exchange.transport;
    this.buffers = transport.buffers();
    this.head = new ResponseHeadParser(transport.maxResponseHeaderSize());
    this.chunks = new HttpParser(new ChunkedBody(), transport.maxResponseHeaderSize());
    chunks.setHeaderCacheSize(0); // it only ever parses the stand-in head
    this.selector = opener.pools.selector;
  }

  /** Records why the TLS handshake of this connection failed (its SslConnection tells). */
  SslHandshakeListener handshakeWatcher() {
    return new SslHandshakeListener() {
      @Override
      public void handshakeFailed(Event event, Throwable failure) {
        handshakeFailure = failure;
      }
    };
  }

  /** Why the TLS handshake failed, or null (it succeeded, is under way, or there is none). */
  @Nullable Throwable handshakeFailure() {
    return handshakeFailure;
  }

  /** The selector this connection's I/O is served by. */
  ManagedSelector selector() {
    return selector;
  }

  @Override
  public void onOpen() {
    super.onOpen();
    fillInterested();
    if (opener.succeeded()) {
      opener.exchange.start(this, false);
    } else {
      close(); // timed out meanwhile
    }
  }

  /** Takes this idle connection out of the pool: IDLE to BUSY. */
  boolean tryAcquire() {
    return STATE.compareAndSet(this, IDLE, BUSY);
  }

  /** Prepares the response side for {@code ex}; called before the request head is written. */
  void begin(UpstreamExchange ex) {
    bodyMode = B_HEAD;
    remaining = 0;
    head.reset();
    messageDone = false;
    writeIssued = false;
    parseAgain = false;
    parseFailure = null;
    requestComplete = false;
    SIDES.setVolatile(this, 0);
    bytesReceived = false;
    timedOut = false;
    clientWriteFailure = null;
    // Changing an endpoint's idle timeout downwards reschedules its timer, so only when it differs.
    EndPoint endPoint = getEndPoint();
    if (endPoint.getIdleTimeout() != ex.activityTimeoutMillis()) {
      endPoint.setIdleTimeout(ex.activityTimeoutMillis());
    }
    exchange = ex; // volatile: publishes the above to the response side
  }

  /** The callback for a request written in one go (head only). */
  Callback requestWritten() {
    return requestWritten;
  }

  /** The whole request (head and body) has been written. */
  void requestComplete() {
    requestComplete = true;
    if (((int) SIDES.getAndBitwiseOr(this, REQUEST_DONE) & RESPONSE_DONE) != 0) {
      // The response side finished first and left the connection, and the exchange, to us.
      UpstreamExchange ex = succeedWhenWritten;
      succeedWhenWritten = null;
      reuse();
      if (ex != null) {
        ex.succeeded();
      }
    }
  }

  @Override
  public void onFillable() {
    if (exchange == null) {
      // Readable while idle: the backend closed it (EOF), sent bytes nobody asked for, or, over
      // TLS, sent a record that carries no data (a session ticket), which only a read can tell.
      if (STATE.compareAndSet(this, IDLE, BUSY)) {
        idleReadable();
      } else if ((int) STATE.getVolatile(this) == BUSY) {
        fillInterested(); // just acquired; its exchange is being attached
      }
      return;
    }
    process();
  }

  /** Held BUSY by the selector thread: reads to tell a closed connection from TLS upkeep. */
  private void idleReadable() {
    int filled;
    try {
      // One byte: any data at all means the connection is out of step, and is closed.
      filled = getEndPoint().fill(BufferUtil.allocate(1));
    } catch (IOException e) {
      filled = -1;
    }
    if (filled == 0) {
      STATE.setVolatile(this, IDLE);
      fillInterested();
      // An acquirer may have taken it off its slot meanwhile and given up on it: back it goes.
      if (!pool.contains(this) && !pool.offer(this) && STATE.compareAndSet(this, IDLE, CLOSED)) {
        close();
      }
      return;
    }
    STATE.setVolatile(this, CLOSED);
    pool.remove(this);
    close();
  }

  @Override
  public void onFillInterestedFailed(Throwable cause) {
    UpstreamExchange ex = exchange;
    if (LOG.isDebugEnabled()) {
      LOG.debug("fill interest failed {} {}: {}", this, ex, cause.toString());
    }
    if (ex == null) {
      STATE.setVolatile(this, CLOSED);
      pool.remove(this);
      close();
      return;
    }
    // Nothing else holds the response side while a read is pending.
    releaseInput();
    fail(ex, cause);
  }

  @Override
  public boolean onIdleExpired(TimeoutException timeout) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("idle expired {} {}", this, exchange);
    }
    if (exchange != null) {
      // The try's timeout or the route's idle timeout: the endpoint's idle timeout during an
      // exchange.
      timedOut = true;
      return true;
    }
    if (STATE.compareAndSet(this, IDLE, CLOSED)) {
      pool.remove(this);
      return true;
    }
    return (int) STATE.getVolatile(this) == CLOSED;
  }

  @Override
  public void onClose(Throwable cause) {
    if ((int) STATE.getAndSet(this, CLOSED) == IDLE) {
      pool.remove(this);
    }
    super.onClose(cause);
    opener.releasePlace();
  }

  /** The response-side loop: fill, parse, write to the client, until a write or a read pends. */
  private void process() {
    UpstreamExchange ex = exchange;
    if (ex == null) {
      releaseInput();
      return;
    }
    while (true) {
      Throwable writeFailure = clientWriteFailure;
      if (writeFailure != null) {
        releaseInput();
        ex.clientFailed(this, writeFailure);
        return;
      }
      if (messageDone) {
        finish(ex);
        return;
      }
      if (parseFailure != null) {
        releaseInput();
        fail(ex, parseFailure);
        return;
      }
      if (input == null) {
        input = buffers.acquire(transport.responseBufferSize(), true);
      }
      ByteBuffer buffer = input.getByteBuffer();
      int filled = 1;
      if (!buffer.hasRemaining() && !parseAgain) {
        try {
          filled = getEndPoint().fill(buffer);
        } catch (Throwable x) {
          releaseInput();
          fail(ex, x);
          return;
        }
        if (filled == 0) {
          releaseInput();
          fillInterested();
          return;
        }
        if (filled > 0) {
          bytesReceived = true;
          if (ex.deadlinePassed()) {
            timedOut = true;
            releaseInput();
            fail(ex, new TimeoutException("upstream timed out"));
            return;
          }
        }
      }
      // After a relayed write the chunk decoder may finish the message without new bytes.
      parseAgain = false;
      try {
        relay(ex, buffer, filled < 0);
      } catch (IOException x) {
        parseFailure = x;
        continue;
      }
      if (writeIssued) {
        writeIssued = false;
        parseAgain = true;
        if (WRITE.compareAndSet(this, W_PENDING, W_ASYNC)) {
          return; // the write's callback continues
        }
        WRITE.setVolatile(this, W_NONE); // completed on this stack: go on
        continue;
      }
      if (filled < 0 && !messageDone && parseFailure == null && !buffer.hasRemaining()) {
        parseFailure =
            new EOFException(
                bodyMode == B_HEAD && !bytesReceived
                    ? "upstream closed the connection"
                    : "upstream closed the connection early");
      }
    }
  }

  /** One step of the response: the head, or the body bytes in {@code buffer}, by body mode. */
  private void relay(UpstreamExchange ex, ByteBuffer buffer, boolean eof) throws IOException {
    switch (bodyMode) {
      case B_HEAD -> {
        while (buffer.hasRemaining()) {
          if (!head.parse(buffer, ex.response().getHeaders())) {
            return;
          }
          if (head.status >= 200) {
            responseHead(ex);
            return;
          }
          head.reset(); // 100, 102, 103: dropped, the final response follows
        }
      }
      case B_LENGTH -> {
        int n = (int) Math.min(remaining, buffer.remaining());
        if (n > 0) {
          ByteBuffer slice = buffer.slice();
          slice.limit(n);
          buffer.position(buffer.position() + n);
          remaining -= n;
          boolean last = remaining == 0;
          messageDone = last;
          writeToClient(last, slice);
        }
      }
      case B_CHUNKED -> {
        if (eof) {
          chunks.atEOF();
        }
        chunks.parseNext(buffer);
      }
      default -> { // B_UNTIL_CLOSE
        if (buffer.hasRemaining()) {
          ByteBuffer slice = buffer.slice();
          buffer.position(buffer.limit());
          writeToClient(false, slice);
        } else if (eof) {
          messageDone = true;
          writeToClient(true, BufferUtil.EMPTY_BUFFER);
        }
      }
    }
  }

  /** The final response head is in: status and framing of the body. */
  private void responseHead(UpstreamExchange ex) {
    int status = head.status;
    if (ex.retryOnStatus(status)) {
      // Dropped for another try: nothing of it reaches the client, and the connection, with the
      // rest of this response unread, is closed (attemptFailed).
      parseFailure = new RetriedStatusException(status);
      return;
    }
    ex.response().setStatus(status);
    ex.responseHead();
    if (ex.isHead() || status == 204 || status == 304) {
      messageDone = true;
      writeToClient(true, BufferUtil.EMPTY_BUFFER);
    } else if (head.chunked) {
      bodyMode = B_CHUNKED;
      chunks.reset();
      chunks.parseNext(CHUNKED_HEAD.duplicate());
    } else if (head.contentLength != ResponseHeadParser.NO_LENGTH) {
      bodyMode = B_LENGTH;
      remaining = head.contentLength;
      if (remaining == 0) {
        messageDone = true;
        writeToClient(true, BufferUtil.EMPTY_BUFFER);
      }
    } else {
      bodyMode = B_UNTIL_CLOSE;
    }
  }

  private void finish(UpstreamExchange ex) {
    boolean leftover = input != null && input.getByteBuffer().hasRemaining();
    releaseInput();
    // Connection: close, a body delimited by the close, or HTTP/1.0 without keep-alive end the
    // connection. So does a request with a body still being sent (the backend answered early);
    // a head-only request whose write has not yet reported completion is waited for, since its
    // writer may still be leaving the endpoint's write state (see requestComplete()).
    boolean persistent =
        !head.close && bodyMode != B_UNTIL_CLOSE && (!head.http10 || head.keepAlive);
    boolean reusable = persistent && !leftover && (requestComplete || !ex.hasBody());
    if (!ex.claim(this)) {
      close();
      return;
    }
    exchange = null;
    if (reusable && getEndPoint().isOpen()) {
      // Idle in the pool for the route timeout, at most the keep-alive idle timeout (the timer
      // is only rescheduled when the route timeout is the longer one).
      if (getEndPoint().getIdleTimeout() > transport.idleTimeoutMillis()) {
        getEndPoint().setIdleTimeout(transport.idleTimeoutMillis());
      }
      // The client hears of the end only once the connection is back in the pool, so that its
      // next request finds it there; if the request write has yet to report completion (its
      // writer may be on another thread), requestComplete() does both.
      succeedWhenWritten = ex;
      if (((int) SIDES.getAndBitwiseOr(this, RESPONSE_DONE) & REQUEST_DONE) != 0) {
        succeedWhenWritten = null;
        reuse();
        ex.succeeded();
      }
      return;
    }
    close();
    ex.succeeded();
  }

  /** Both the request and the response are complete: back to the pool. Any thread. */
  private void reuse() {
    CircuitBreaker breaker = opener.breaker();
    if (breaker != null && breaker.hasWaiters()) {
      // Requests wait for a connection place: this one's goes to them (see LeanProxyTransport).
      STATE.setVolatile(this, CLOSED);
      close();
      return;
    }
    STATE.setVolatile(this, IDLE);
    fillInterested();
    if (!pool.offer(this) && STATE.compareAndSet(this, IDLE, CLOSED)) {
      close();
    }
  }

  private void fail(UpstreamExchange ex, Throwable failure) {
    if (LOG.isDebugEnabled()) {
      LOG.debug("response side failed {} {}: {}", this, ex, failure.toString());
    }
    Throwable cause =
        timedOut && !(failure instanceof TimeoutException)
            ? new TimeoutException("upstream timed out")
            : failure;
    ex.attemptFailed(this, cause);
  }

  private void releaseInput() {
    RetainableByteBuffer buffer = input;
    if (buffer != null) {
      input = null;
      buffer.release();
    }
  }

  private void writeToClient(boolean last, ByteBuffer content) {
    writeIssued = true;
    WRITE.setVolatile(this, W_PENDING);
    requireNonNull(exchange, "writes only during an exchange")
        .response()
        .write(last, content, clientWrite);
  }

  /** The chunk decoder's callbacks: the stand-in head is ignored, content is relayed. */
  private final class ChunkedBody implements HttpParser.ResponseHandler {
    @Override
    public void startResponse(HttpVersion version, int status, String reason) {
      // the stand-in head
    }

    @Override
    public void parsedHeader(HttpField field) {
      // the stand-in head
    }

    @Override
    public boolean headerComplete() {
      return false;
    }

    @Override
    public boolean content(ByteBuffer item) {
      writeToClient(false, item);
      return true;
    }

    @Override
    public boolean contentComplete() {
      return false;
    }

    @Override
    public boolean messageComplete() {
      messageDone = true;
      writeToClient(true, BufferUtil.EMPTY_BUFFER);
      return true;
    }

    @Override
    public void earlyEOF() {
      if (parseFailure == null) {
        parseFailure = new EOFException("upstream closed the connection early");
      }
    }

    @Override
    public void badMessage(HttpException failure) {
      if (parseFailure == null) {
        parseFailure =
            failure instanceof Throwable t ? t : new IOException(String.valueOf(failure));
      }
    }
  }

  /** Completion of a write to the client; continues the response side. */
  private final class ClientWrite implements Callback {
    @Override
    public void succeeded() {
      if (WRITE.compareAndSet(UpstreamConnection.this, W_PENDING, W_DONE)) {
        return; // still inside process(): it goes on
      }
      WRITE.setVolatile(UpstreamConnection.this, W_NONE);
      process();
    }

    @Override
    public void failed(Throwable failure) {
      clientWriteFailure = failure;
      succeeded();
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }

  /** Completion of a head-only request write. */
  private final class RequestWritten implements Callback {
    @Override
    public void succeeded() {
      requestComplete();
    }

    @Override
    public void failed(Throwable failure) {
      UpstreamExchange ex = exchange;
      if (ex != null) {
        ex.attemptFailed(UpstreamConnection.this, failure);
        return;
      }
      close();
      UpstreamExchange relayed = succeedWhenWritten; // its response was relayed in full
      succeedWhenWritten = null;
      if (relayed != null) {
        relayed.succeeded();
      }
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }
}
