package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Formats and writes access log entries on its own thread, off the request path: request threads
 * {@link #offer} entries into a bounded queue without locks or I/O; when the queue is full the
 * entry is dropped and counted ({@link #dropped}). The writer wakes on a tick ({@link
 * #DEFAULT_FLUSH_INTERVAL}), formats what is queued into its sink's 64 KiB buffer and writes that
 * out when the queue runs empty: a request never wakes the writer (an unpark and a context switch
 * per request cost more than the line itself), except the one that fills a quarter of the queue, so
 * a burst is drained before it overflows. Lines reach the file within one tick, as with nginx's
 * {@code access_log ... flush=} or Envoy's file flush interval. Thread-safe.
 */
public final class AccessLogWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AccessLogWriter.class);

  /** Default number of entries waiting for the writer before new ones are dropped. */
  public static final int DEFAULT_CAPACITY = 16_384;

  /** Default time between the writer's ticks. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofMillis(100);

  private final LineSink sink;
  private final int capacity;
  private final int wakeAt;
  private final long tickNanos;
  private final ConcurrentLinkedQueue<AccessLogEntry> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final LongAdder dropped = new LongAdder();
  private final AccessLogFormat format = new AccessLogFormat();
  private final Thread thread;
  private volatile boolean stopping;
  private boolean failing;

  /**
   * A writer into {@code sink} holding at most {@code capacity} entries and writing them out every
   * {@code flushInterval}; its thread is not started yet ({@link #start}).
   */
  AccessLogWriter(LineSink sink, int capacity, Duration flushInterval) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    if (flushInterval.isNegative() || flushInterval.isZero()) {
      throw new IllegalArgumentException("flush interval must be positive: " + flushInterval);
    }
    this.sink = requireNonNull(sink, "sink");
    this.capacity = capacity;
    this.wakeAt = Math.max(1, capacity / 4);
    this.tickNanos = flushInterval.toNanos();
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
    int waiting = queued.incrementAndGet();
    if (waiting > capacity || stopping) {
      queued.decrementAndGet();
      dropped.increment();
      return false;
    }
    queue.offer(entry);
    if (waiting == wakeAt) {
      LockSupport.unpark(thread);
    }
    return true;
  }

  /** Entries dropped so far: the queue was full, or writing failed. */
  public long dropped() {
    return dropped.sum();
  }

  /** Whether the writer thread waits for its tick (for tests). */
  boolean parked() {
    return thread.getState() == Thread.State.TIMED_WAITING;
  }

  /** Counts one entry that never reached {@link #offer} (capture failed). */
  void countDropped() {
    dropped.increment();
  }

  private void run() {
    while (true) {
      // Read before draining: entries offered after a close began are drained by this last round.
      boolean last = stopping;
      for (AccessLogEntry entry = queue.poll(); entry != null; entry = queue.poll()) {
        queued.decrementAndGet();
        write(entry);
      }
      flush();
      if (last) {
        return;
      }
      LockSupport.parkNanos(this, tickNanos);
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
