package dev.concierge.dataplane.buffering;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A request body read in full by {@link RequestBodyBufferingHandler}, kept in pooled memory or in a
 * temporary file until the request completes. Pinned on the request as the attribute {@link
 * #ATTRIBUTE}.
 *
 * <p>For a transport that sends a request more than once (a retry of an idempotent request): take
 * {@link #of(Request)} and send a fresh {@link #newSource()} each attempt; or call {@link
 * Request#rewind()} on the request the stage passed on, which starts its own replay over. A source
 * is valid until the request's callback completes. Thread-safe; each source is for one reader.
 */
public final class BufferedBody {
  /** The request attribute that holds the body. */
  public static final String ATTRIBUTE = BufferedBody.class.getName();

  private final long length;
  private final @Nullable RetainableByteBuffer memory;
  private final @Nullable Path file;
  private final ByteBufferPool.@Nullable Sized filePool;
  // File sources handed out, closed when the request completes. Guarded by this.
  private final List<Content.Source> fileSources = new ArrayList<>();
  private boolean closed;

  private BufferedBody(
      long length,
      @Nullable RetainableByteBuffer memory,
      @Nullable Path file,
      ByteBufferPool.@Nullable Sized filePool) {
    this.length = length;
    this.memory = memory;
    this.file = file;
    this.filePool = filePool;
  }

  static BufferedBody inMemory(RetainableByteBuffer memory) {
    return new BufferedBody(memory.remaining(), requireNonNull(memory, "memory"), null, null);
  }

  static BufferedBody inFile(long length, Path file, ByteBufferPool.Sized pool) {
    return new BufferedBody(
        length, null, requireNonNull(file, "file"), requireNonNull(pool, "pool"));
  }

  /** The body buffered for {@code request}, or null when the stage passed it on unbuffered. */
  public static BufferedBody of(Request request) {
    return (BufferedBody) request.getAttribute(ATTRIBUTE);
  }

  /** The exact number of bytes. */
  public long length() {
    return length;
  }

  /** True if the body was spilled to a temporary file. */
  public boolean isSpilled() {
    return file != null;
  }

  /**
   * A new source over the whole body from its first byte. A file-backed source reads the file on
   * the caller's thread (local disk, usually the page cache, as Jetty's own path sources do).
   */
  public Content.Source newSource() {
    if (file == null) {
      return new MemorySource(requireNonNull(memory, "memory"));
    }
    Content.Source source = Content.Source.from(filePool, file, 0, length);
    boolean late;
    synchronized (this) {
      late = closed;
      if (!late) {
        fileSources.add(source);
      }
    }
    if (late) {
      source.fail(new IllegalStateException("request already completed"));
    }
    return source;
  }

  /**
   * Closes what file sources hold (an open channel, a pooled buffer) when a reader stopped short; a
   * source read to its end has closed itself. Called once the request has completed.
   */
  void close() {
    List<Content.Source> open;
    synchronized (this) {
      closed = true;
      open = List.copyOf(fileSources);
      fileSources.clear();
    }
    for (Content.Source source : open) {
      source.fail(new IllegalStateException("request completed"));
    }
  }

  /** Replays a pooled buffer: one chunk holding a reference to it, then EOF. */
  private static final class MemorySource implements Content.Source {
    private final RetainableByteBuffer buffer;
    private boolean consumed;
    private @Nullable Throwable failure;

    MemorySource(RetainableByteBuffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public long getLength() {
      return buffer.remaining();
    }

    @Override
    public synchronized Content.Chunk read() {
      if (failure != null) {
        return Content.Chunk.from(failure, true);
      }
      if (consumed) {
        return Content.Chunk.EOF;
      }
      consumed = true;
      if (!buffer.hasRemaining()) {
        return Content.Chunk.EOF;
      }
      // The chunk keeps the pooled buffer alive however long the reader holds it.
      buffer.retain();
      return Content.Chunk.asChunk(buffer.getByteBuffer().slice(), true, buffer);
    }

    @Override
    public void demand(Runnable demandCallback) {
      // Everything is already here.
      demandCallback.run();
    }

    @Override
    public synchronized void fail(Throwable failure) {
      if (this.failure == null) {
        this.failure = failure;
      }
    }

    @Override
    public synchronized boolean rewind() {
      if (failure != null) {
        return false;
      }
      consumed = false;
      return true;
    }
  }
}
