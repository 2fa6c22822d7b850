package dev.concierge.dataplane.stats;

import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.chain.Meter;
import dev.concierge.dataplane.chain.MethodClass;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;

/**
 * Cumulative counters of one route, one cluster or the unrouted requests since the node started:
 * answers by method and status class (one adder per pair, so an answer costs one increment and no
 * lookup), body bytes in and out, upstream failures, retries, retries refused by a retry budget,
 * circuit-breaker overflows, and a latency histogram in microseconds (HdrHistogram, 2 significant
 * digits, up to one hour; about 26 KiB) with the exact sum of latencies. Lives as long as the node,
 * across config swaps. Recording is lock-free and allocates nothing; thread-safe.
 */
public final class TrafficMeter implements Meter {
  /** Status classes counted apart: 1xx to 5xx; a request aborted before any status counts 5xx. */
  public static final int STATUS_CLASSES = 5;

  private static final long MAX_MICROS = TimeUnit.HOURS.toMicros(1);

  // [method.index() * STATUS_CLASSES + class - 1]
  private final LongAdder[] answers = new LongAdder[MethodClass.COUNT * STATUS_CLASSES];
  private final LongAdder receivedBytes = new LongAdder();
  private final LongAdder sentBytes = new LongAdder();
  private final LongAdder upstreamFailures = new LongAdder();
  private final LongAdder retries = new LongAdder();
  private final LongAdder retryBudgetExhausted = new LongAdder();
  private final LongAdder circuitBreakerOverflows = new LongAdder();
  private final LongAdder latencySumNanos = new LongAdder();
  private final AtomicHistogram latency = new AtomicHistogram(MAX_MICROS, 2);

  public TrafficMeter() {
    for (int i = 0; i < answers.length; i++) {
      answers[i] = new LongAdder();
    }
  }

  @Override
  public void record(MethodClass method, int status, long latencyNanos, int retried) {
    answers[method.index() * STATUS_CLASSES + statusClass(status) - 1].increment();
    if (retried > 0) {
      retries.add(retried);
    }
    long nanos = Math.max(0, latencyNanos);
    latencySumNanos.add(nanos);
    latency.recordValue(Math.min(nanos / 1000, MAX_MICROS));
  }

  /** 1 to 5; 5 for a request aborted before any status (0) or an unknown one. */
  private static int statusClass(int status) {
    int c = status / 100;
    return c >= 1 && c <= 4 ? c : 5;
  }

  @Override
  public void bytes(long received, long sent) {
    if (received > 0) {
      receivedBytes.add(received);
    }
    if (sent > 0) {
      sentBytes.add(sent);
    }
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
    long sum = 0;
    for (LongAdder adder : answers) {
      sum += adder.sum();
    }
    return sum;
  }

  /** Answers to {@code method} with a status of class {@code statusClass} (1 to 5). */
  public long answers(MethodClass method, int statusClass) {
    return answers[method.index() * STATUS_CLASSES + statusClass - 1].sum();
  }

  /** Answers of status class {@code statusClass} (1 to 5), any method. */
  public long answers(int statusClass) {
    long sum = 0;
    for (int m = 0; m < MethodClass.COUNT; m++) {
      sum += answers[m * STATUS_CLASSES + statusClass - 1].sum();
    }
    return sum;
  }

  /** Request body bytes read. */
  public long receivedBytes() {
    return receivedBytes.sum();
  }

  /** Response body bytes written. */
  public long sentBytes() {
    return sentBytes.sum();
  }

  /** Retries not made because the retry budget was used up. */
  public long retriesRefusedByBudget() {
    return retryBudgetExhausted.sum();
  }

  /** Requests answered 503 at once by a circuit-breaker limit, and retries it refused. */
  public long breakerOverflows() {
    return circuitBreakerOverflows.sum();
  }

  /** A copy of the latencies in microseconds. */
  public Histogram latencies() {
    return latency.copy();
  }

  /** The exact sum of the latencies recorded, in nanoseconds. */
  public long latencySumNanos() {
    return latencySumNanos.sum();
  }

  /** The counters as reported, under {@code name}. */
  public TrafficCounters toProto(String name) {
    return LatencyHistograms.fill(TrafficCounters.newBuilder(), latency.copy())
        .setName(name)
        .setRequests(requests())
        .setResponses2Xx(answers(2))
        .setResponses3Xx(answers(3))
        .setResponses4Xx(answers(4))
        .setResponses5Xx(answers(5))
        .setUpstreamFailures(upstreamFailures.sum())
        .setRetries(retries.sum())
        .setRetryBudgetExhausted(retryBudgetExhausted.sum())
        .setCircuitBreakerOverflows(circuitBreakerOverflows.sum())
        .build();
  }
}
