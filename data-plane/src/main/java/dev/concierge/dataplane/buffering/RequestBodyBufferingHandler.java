package dev.concierge.dataplane.buffering;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.BodyFraming;
import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.Grpc;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request path, per-route stage: by the route's {@link BufferingPolicy}, either reads a request's
 * whole body before the request goes on, so an upstream connection is taken only once the client
 * has delivered it (nginx's default request buffering, the default), or lets it stream upstream as
 * it arrives (large uploads, streaming APIs), with the route's size limit if it has one.
 *
 * <p>Buffering: a body of up to {@link AdmissionPolicy#memoryLimit()} bytes is kept in pooled
 * memory; a larger one is spilled to a temporary file (0600, in {@link
 * AdmissionPolicy#spillDirectory()}), written on the thread pool, never on the thread that reads
 * the client. The next stage gets a request whose {@code read()}/{@code demand()} replay the body,
 * whose {@code getLength()} and {@code Content-Length} are the exact byte count (a chunked body is
 * re-framed; {@code Transfer-Encoding} and {@code Expect} are gone), and whose {@code rewind()}
 * starts the replay over; the body is also pinned as {@link BufferedBody#ATTRIBUTE}. Memory and
 * file are released when the request completes. A request without a body (no or zero {@code
 * Content-Length}, no {@code Transfer-Encoding}) passes straight on.
 *
 * <p>A body of unknown length is a chunked HTTP/1.1 one or an HTTP/2 one without {@code
 * content-length} ({@link BodyFraming}). A gRPC call ({@link Grpc#isCall}) always streams, whatever
 * the route says: a bidirectional call would deadlock if held until the client half-closes.
 *
 * <p>Streaming: the request goes on at once; a body of unknown length is counted on its way through
 * when the route has a limit ({@link SizeLimitedRequest}).
 *
 * <p>Answers itself, completing the callback: 413 {@code request body too large} when {@code
 * Content-Length} or the bytes read exceed the route's {@link BufferingPolicy#maxBytes()} (when
 * buffering and it is 0: {@link AdmissionPolicy#maxBodySize()}); 408 {@code request body timed out}
 * when the body is not complete within {@link AdmissionPolicy#bodyTimeout()} of the header block,
 * however steadily bytes trickle in; 500 when the spill file cannot be written. Each closes the
 * connection. If the client fails, the callback fails. Non-blocking and thread-safe.
 */
public final class RequestBodyBufferingHandler extends RouteScopedHandler {
  private static final Logger LOG = LoggerFactory.getLogger(RequestBodyBufferingHandler.class);

  /** Size of the staging buffer for spill writes when {@code memoryLimit} is 0. */
  private static final int MIN_STAGING = 8 * 1024;

  /** Buffer size for replaying a spilled body. */
  private static final int REPLAY_BUFFER = 16 * 1024;

  private final AdmissionPolicy policy;

  /**
   * @param policy the node's limits: memory, spill directory, deadlines, default body limit
   */
  public RequestBodyBufferingHandler(AdmissionPolicy policy, Handler next) {
    super(next);
    this.policy = requireNonNull(policy, "policy");
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    long length = request.getLength();
    // Chunked HTTP/1.1, or HTTP/2 without content-length (the body ends with the stream).
    boolean chunked = length < 0 && BodyFraming.unknownLength(request);
    if (length <= 0 && !chunked) {
      return next(request, response, callback);
    }
    BufferingPolicy route = context.policies().get(BufferingPolicy.KEY);
    // A gRPC call always streams: its messages may depend on the answers (bidirectional calls),
    // so holding them until the client half-closes could deadlock the call.
    boolean stream =
        route.mode() == BufferingPolicy.Mode.STREAM || (chunked && Grpc.isCall(request));
    long maxBody =
        stream ? route.maxBytes() : route.maxBytes() > 0 ? route.maxBytes() : policy.maxBodySize();
    if (!chunked && maxBody > 0 && length > maxBody) {
      ErrorAnswers.writeAndClose(
          request, response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "request body too large");
      return true;
    }
    if (stream) {
      // Relayed as it arrives; a chunked body is counted on its way through.
      return next(
          chunked && maxBody > 0 ? new SizeLimitedRequest(request, maxBody) : request,
          response,
          callback);
    }
    new BodyReader(request, response, callback, chunked ? -1 : length, maxBody).start();
    return true;
  }

  /**
   * One request's body on its way in. One flow at a time runs {@link #readMore()} or a spill write
   * (the demand callback, then a pool thread, then the demand callback ...); the deadline and the
   * request's completion may run concurrently with it, so the buffers are released only when the
   * request has completed and no flow is running ({@code enter()}/{@code exit()}).
   */
  private final class BodyReader implements Invocable.Task {
    private final Request request;
    private final Response response;
    private final Callback completion;
    private final long contentLength;
    private final long maxBody;
    private final ByteBufferPool pool;
    private final Executor executor;
    private final AtomicBoolean decided = new AtomicBoolean();
    private final Scheduler.Task deadline;

    // Touched by the running flow only (or by release(), once no flow runs).
    private RetainableByteBuffer.@Nullable Mutable memory;
    private int memoryCapacity;
    private Content.@Nullable Chunk pending;
    private long received;
    private @Nullable Path file;
    private @Nullable FileChannel channel;
    private long spilled;
    private @Nullable BufferedBody body;

    // Guarded by this.
    private int busy;
    private boolean completed;
    private boolean released;

    BodyReader(
        Request request, Response response, Callback callback, long contentLength, long maxBody) {
      this.request = request;
      this.response = response;
      this.contentLength = contentLength;
      this.maxBody = maxBody;
      this.pool = request.getComponents().getByteBufferPool();
      this.executor = request.getComponents().getExecutor();
      this.completion =
          new Callback.Nested(callback) {
            @Override
            public void succeeded() {
              onComplete();
              super.succeeded();
            }

            @Override
            public void failed(Throwable x) {
              onComplete();
              super.failed(x);
            }
          };
      this.deadline =
          request
              .getComponents()
              .getScheduler()
              .schedule(this::expire, policy.bodyTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    void start() {
      run();
    }

    @Override
    public InvocationType getInvocationType() {
      // readMore never blocks: spill writes go to the pool, the next stages are non-blocking.
      return InvocationType.NON_BLOCKING;
    }

    /** The demand callback. */
    @Override
    public void run() {
      if (!enter()) {
        return;
      }
      try {
        readMore();
      } catch (Throwable x) {
        fail(x);
      } finally {
        exit();
      }
    }

    private void readMore() {
      while (!decided.get()) {
        Content.Chunk chunk = pending;
        pending = null;
        if (chunk == null) {
          chunk = request.read();
        }
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          fail(chunk.getFailure());
          return;
        }
        ByteBuffer bytes = chunk.getByteBuffer();
        if (maxBody > 0 && received + bytes.remaining() > maxBody) {
          chunk.release();
          reject(HttpStatus.PAYLOAD_TOO_LARGE_413, "request body too large");
          return;
        }
        if (bytes.hasRemaining()) {
          if (memory == null) {
            // Exactly the declared size when it fits; else the limit (at least 8 KiB to stage
            // spills).
            memoryCapacity =
                contentLength >= 0 && contentLength <= policy.memoryLimit()
                    ? (int) contentLength
                    : Math.max(policy.memoryLimit(), MIN_STAGING);
            memory = pool.acquire(memoryCapacity, false);
          }
          int n = Math.min(bytes.remaining(), memoryCapacity - memory.remaining());
          ByteBuffer part = bytes.slice();
          part.limit(n);
          memory.append(part);
          bytes.position(bytes.position() + n);
          received += n;
          if (bytes.hasRemaining()) {
            // Memory is full: keep the rest of this chunk, write memory out, then go on.
            pending = chunk;
            executor.execute(this::spillThenRead);
            return;
          }
        }
        chunk.release();
        if (chunk.isLast()) {
          if (file != null || received > policy.memoryLimit()) {
            executor.execute(this::spillThenForward);
          } else {
            forward(BufferedBody.inMemory(memory != null ? memory : RetainableByteBuffer.EMPTY));
          }
          return;
        }
      }
    }

    private void spillThenRead() {
      if (spill()) {
        run();
      }
    }

    private void spillThenForward() {
      if (spill()) {
        run(this::forwardSpilled);
      }
    }

    private void forwardSpilled() {
      Path spilledTo = requireNonNull(file, "spill() created it");
      forward(
          BufferedBody.inFile(
              spilled, spilledTo, new ByteBufferPool.Sized(pool, false, REPLAY_BUFFER)));
    }

    /** Runs on a pool thread: appends memory to the file. False if the request is over. */
    private boolean spill() {
      if (!enter()) {
        return false;
      }
      try {
        if (decided.get()) {
          return false;
        }
        if (channel == null) {
          file = createFile(policy.spillDirectory());
          channel = FileChannel.open(file, StandardOpenOption.WRITE);
        }
        ByteBuffer out = requireNonNull(memory, "memory").getByteBuffer().slice();
        while (out.hasRemaining()) {
          spilled += channel.write(out);
        }
        memory.clear();
        return true;
      } catch (IOException | RuntimeException x) {
        LOG.warn("cannot spill a request body to {}: {}", policy.spillDirectory(), x.toString());
        reject(HttpStatus.INTERNAL_SERVER_ERROR_500, "cannot buffer request body");
        return false;
      } finally {
        exit();
      }
    }

    private interface Step {
      void run() throws Exception;
    }

    private void run(Step step) {
      if (!enter()) {
        return;
      }
      try {
        step.run();
      } catch (Throwable x) {
        fail(x);
      } finally {
        exit();
      }
    }

    private void forward(BufferedBody body) {
      if (!decided.compareAndSet(false, true)) {
        return;
      }
      deadline.cancel();
      this.body = body;
      request.setAttribute(BufferedBody.ATTRIBUTE, body);
      Request replay = new BufferedRequest(request, body);
      try {
        if (!next(replay, response, completion)) {
          ErrorAnswers.write(request, response, completion, HttpStatus.NOT_FOUND_404, "no route");
        }
      } catch (Throwable x) {
        // Jetty would fail the callback of a handler that throws; past handle() that is ours to do.
        completion.failed(x);
      }
    }

    private void expire() {
      if (decided.compareAndSet(false, true)) {
        ErrorAnswers.writeAndClose(
            request,
            response,
            completion,
            HttpStatus.REQUEST_TIMEOUT_408,
            "request body timed out");
      }
    }

    private void reject(int status, String body) {
      if (decided.compareAndSet(false, true)) {
        deadline.cancel();
        ErrorAnswers.writeAndClose(request, response, completion, status, body);
      }
    }

    private void fail(Throwable failure) {
      if (decided.compareAndSet(false, true)) {
        deadline.cancel();
        completion.failed(failure);
      } else if (LOG.isDebugEnabled()) {
        LOG.debug("after the request was decided: {}", failure.toString());
      }
    }

    private synchronized boolean enter() {
      if (completed) {
        return false;
      }
      busy++;
      return true;
    }

    private void exit() {
      boolean release;
      synchronized (this) {
        busy--;
        release = busy == 0 && completed && !released;
        released |= release;
      }
      if (release) {
        release();
      }
    }

    private void onComplete() {
      deadline.cancel();
      boolean release;
      synchronized (this) {
        completed = true;
        release = busy == 0 && !released;
        released |= release;
      }
      if (release) {
        release();
      }
    }

    /** Frees memory at once; closes and deletes the file on the pool. Runs once. */
    private void release() {
      if (pending != null) {
        pending.release();
        pending = null;
      }
      if (memory != null) {
        memory.release();
        memory = null;
      }
      if (body != null) {
        body.close();
      }
      if (file != null) {
        FileChannel ch = channel;
        Path f = file;
        executor.execute(() -> deleteQuietly(ch, f));
      }
    }
  }

  private static Path createFile(Path dir) throws IOException {
    try {
      return Files.createTempFile(
          dir,
          "concierge-body-",
          ".tmp",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the platform's default for temporary files applies.
      return Files.createTempFile(dir, "concierge-body-", ".tmp");
    }
  }

  private static void deleteQuietly(@Nullable FileChannel channel, Path file) {
    try {
      if (channel != null) {
        channel.close();
      }
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete request body file {}: {}", file, e.toString());
    }
  }

  /** The request as the next stages see it: the buffered body, replayable, exactly framed. */
  private static final class BufferedRequest extends Request.Wrapper {
    private final BufferedBody body;
    private final HttpFields headers;
    private volatile Content.Source source;

    BufferedRequest(Request request, BufferedBody body) {
      super(request);
      this.body = body;
      this.source = body.newSource();
      HttpFields original = request.getHeaders();
      if (original.contains(HttpHeader.TRANSFER_ENCODING) || original.contains(HttpHeader.EXPECT)) {
        // The body is here already: no 100-continue upstream, and a Content-Length for chunked.
        this.headers =
            HttpFields.build(original)
                .remove(HttpHeader.TRANSFER_ENCODING)
                .remove(HttpHeader.EXPECT)
                .put(HttpHeader.CONTENT_LENGTH, body.length())
                .asImmutable();
      } else {
        this.headers = original;
      }
    }

    @Override
    public HttpFields getHeaders() {
      return headers;
    }

    @Override
    public long getLength() {
      return body.length();
    }

    @Override
    public Content.Chunk read() {
      return source.read();
    }

    @Override
    public void demand(Runnable demandCallback) {
      source.demand(demandCallback);
    }

    @Override
    public void fail(Throwable failure) {
      source.fail(failure);
    }

    @Override
    public boolean consumeAvailable() {
      return true;
    }

    @Override
    public boolean rewind() {
      source = body.newSource();
      return true;
    }
  }
}
