package dev.concierge.dataplane.cluster;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;

/**
 * Cumulative counters of one endpoint of one cluster since the node started: tries and their
 * durations (HdrHistogram in microseconds, 2 significant digits, up to one hour, as the route and
 * cluster meters, so that reports can merge them), connect failures (refused, connect timeout, TLS
 * handshake, unresolved), resets, timeouts (no response head in time), retries that went to it, and
 * outlier ejections. Lives in its {@link EndpointState}, so across config swaps. Recording is
 * lock-free and allocates nothing; thread-safe.
 */
public final class EndpointMeter {
  private static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);

  private final LongAdder tries = new LongAdder();
  private final LongAdder connectFailures = new LongAdder();
  private final LongAdder resets = new LongAdder();
  private final LongAdder timeouts = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder ejections = new LongAdder();
  private final LongAdder durationSumNanos = new LongAdder();
  private final AtomicHistogram duration = new AtomicHistogram(MAX_MICROS, 2);

  /** One try ended, answered or not, after {@code nanos} (negative: unknown, not timed). */
  public void tryEnded(long nanos) {
    tries.increment();
    if (nanos >= 0) {
      durationSumNanos.add(nanos);
      duration.recordValue(Math.min(nanos / 1000, MAX_MICROS));
    }
  }

  /** A try could not connect (refused, connect timeout, TLS handshake, host unresolved). */
  public void connectFailed() {
    connectFailures.increment();
  }

  /** A try's connection was reset or closed before any response byte. */
  public void reset() {
    resets.increment();
  }

  /** A try got no (complete) response head in time. */
  public void timedOut() {
    timeouts.increment();
  }

  /** A retry went to the endpoint. */
  public void retried() {
    retries.increment();
  }

  /** Outlier detection ejected the endpoint. */
  void ejected() {
    ejections.increment();
  }

  /** Tries ended so far. */
  public long tries() {
    return tries.sum();
  }

  /** Tries that could not connect. */
  public long connectFailures() {
    return connectFailures.sum();
  }

  /** Tries reset before any response byte. */
  public long resets() {
    return resets.sum();
  }

  /** Tries that timed out. */
  public long timeouts() {
    return timeouts.sum();
  }

  /** Retries that went to the endpoint. */
  public long retries() {
    return retries.sum();
  }

  /** Outlier ejections of the endpoint. */
  public long ejections() {
    return ejections.sum();
  }

  /** The exact sum of the try durations recorded, in nanoseconds. */
  public long durationSumNanos() {
    return durationSumNanos.sum();
  }

  /** A copy of the try durations in microseconds. */
  public Histogram durations() {
    return duration.copy();
  }
}
