package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats and writes access log entries on its own thread, off the request path: request threads
 * {@link #offer} entries into a bounded queue without locks or I/O; when the queue is full the
 * entry is dropped and counted ({@link #dropped}). The writer writes out what it took whenever the
 * queue runs empty. Thread-safe.
 */
public final class AccessLogWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);

  /** Default number of entries waiting for the writer before new ones are dropped. */
  public static final int DEFAULT_CAPACITY = 16_384;

  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final LineSink sink;
  private final int capacity;
  private final ConcurrentLinkedQueue<AccessLogEntry> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();
  private final AccessLogFormat format = new AccessLogFormat();
  private final Thread thread;
  private volatile boolean idle;
  private volatile boolean stopping;
  private boolean failing;

  /**
   * A writer into {@code sink} holding at most {@code capacity} entries; its thread is not started
   * yet ({@link #start}).
   */
  AccessLogWriter(LineSink sink, int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.sink = requireNonNull(sink, "sink");
    this.capacity = capacity;
    this.thread = new Thread(this::run, "concierge-access-log");
    thread.setDaemon(true);
  }

  /** Starts the writer thread. */
  AccessLogWriter start() {
    thread.start();
    return this;
  }

  /** Queues {@code entry}; false (and counted as dropped) when the queue is full. Lock-free. */
  public boolean offer(AccessLogEntry entry) {
    if (queued.incrementAndGet() > capacity || stopping) {
      queued.decrementAndGet();
      dropped.increment();
      return false;
    }
    queue.offer(entry);
    if (idle) {
      LockSupport.unpark(thread);
    }
    return true;
  }

  /** Entries dropped so far: the queue was full, or writing failed. */
  public long dropped() {
    return dropped.sum();
  }

  /** Counts one entry that never reached {@link #offer} (capture failed). */
  void countDropped() {
    dropped.increment();
  }

  private void run() {
    while (true) {
      AccessLogEntry entry = queue.poll();
      if (entry != null) {
        queued.decrementAndGet();
        write(entry);
        continue;
      }
      flush();
      if (stopping) {
        return;
      }
      idle = true;
      // An offer after this check sees idle and unparks; the timeout is a safety net only.
      if (queue.isEmpty() && !stopping) {
        LockSupport.parkNanos(this, IDLE_PARK_NANOS);
      }
      idle = false;
    }
  }

  private void write(AccessLogEntry entry) {
    try {
      format.write(entry, sink);
      failing = false;
    } catch (IOException | RuntimeException e) {
      dropped.increment();
      if (!failing) {
        LOG.warn(
            "access log: cannot write ({}); dropping lines until it works again", e.toString());
        failing = true;
      }
    }
  }

  private void flush() {
    try {
      sink.flush();
    } catch (IOException e) {
      if (!failing) {
        LOG.warn("access log: cannot write ({})", e.toString());
        failing = true;
      }
    }
  }

  /** Writes what is queued, then stops the thread and closes the sink; waits up to {@code wait}. */
  void close(Duration wait) {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(wait.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      sink.close();
    } catch (IOException e) {
      LOG.warn("access log: cannot close ({})", e.toString());
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }
}
