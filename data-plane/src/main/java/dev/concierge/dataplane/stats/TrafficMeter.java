package dev.concierge.dataplane.stats;

import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.chain.Meter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;

/**
 * Cumulative counters of one route, one cluster or the unrouted requests since the node started:
 * answers by status class, upstream failures, retries, retries refused by a retry budget, and a
 * latency histogram in microseconds (HdrHistogram, 2 significant digits, up to one hour; about 26
 * KiB). Lives as long as the node, across config swaps. Recording is lock-free and allocates
 * nothing; thread-safe.
 */
public final class TrafficMeter implements Meter {
  private static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);

  private final LongAdder requests = new LongAdder();
  private final LongAdder r2xx = new LongAdder();
  private final LongAdder r3xx = new LongAdder();
  private final LongAdder r4xx = new LongAdder();
  private final LongAdder r5xx = new LongAdder();
  private final LongAdder upstreamFailures = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder retryBudgetExhausted = new LongAdder();
  private final LongAdder circuitBreakerOverflows = new LongAdder();
  private final AtomicHistogram latency = new AtomicHistogram(MAX_MICROS, 2);

  @Override
  public void record(int status, long latencyNanos, int retried) {
    requests.increment();
    switch (status / 100) {
      case 1 -> {} // counted in requests only
      case 2 -> r2xx.increment();
      case 3 -> r3xx.increment();
      case 4 -> r4xx.increment();
      default -> r5xx.increment(); // 5xx, and 0 for a request aborted before any status
    }
    if (retried > 0) {
      retries.add(retried);
    }
    long micros = Math.min(Math.max(0, latencyNanos / 1000), MAX_MICROS);
    latency.recordValue(micros);
  }

  @Override
  public void upstreamFailure() {
    upstreamFailures.increment();
  }

  @Override
  public void retryBudgetExhausted() {
    retryBudgetExhausted.increment();
  }

  @Override
  public void circuitBreakerOverflow() {
    circuitBreakerOverflows.increment();
  }

  /** Answers counted so far. */
  public long requests() {
    return requests.sum();
  }

  /** The counters as reported, under {@code name}. */
  public TrafficCounters toProto(String name) {
    return LatencyHistograms.fill(TrafficCounters.newBuilder(), latency.copy())
        .setName(name)
        .setRequests(requests.sum())
        .setResponses2Xx(r2xx.sum())
        .setResponses3Xx(r3xx.sum())
        .setResponses4Xx(r4xx.sum())
        .setResponses5Xx(r5xx.sum())
        .setUpstreamFailures(upstreamFailures.sum())
        .setRetries(retries.sum())
        .setRetryBudgetExhausted(retryBudgetExhausted.sum())
        .setCircuitBreakerOverflows(circuitBreakerOverflows.sum())
        .build();
  }
}
