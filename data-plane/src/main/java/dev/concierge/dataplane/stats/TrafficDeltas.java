package dev.concierge.dataplane.stats;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.api.v1.TrafficDelta;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Turns successive snapshots of the node-lifetime counters into the traffic of each interval: the
 * counters minus those of the last report sent, and the latency histogram minus the last one
 * (HdrHistogram subtraction). A delta moves the baseline only when {@link #commit committed}, so a
 * report that could not be sent is folded into the next one. A row whose counters went down (its
 * meter was dropped with its route and made again) starts from zero. Not thread-safe: the reporter
 * calls it under its lock.
 */
final class TrafficDeltas {
  private Map<String, TrafficCounters> baselines = new HashMap<>();
  private Instant start;
  private long sequence;

  /**
   * @param start when the node process started: the first interval's start
   */
  TrafficDeltas(Instant start) {
    this.start = requireNonNull(start, "start");
  }

  /**
   * The interval from the last commit to {@code end}, and the baseline a commit moves to: every
   * row's cumulative counters, its histogram still compressed (decoded only when it changed).
   */
  record Pending(TrafficDelta delta, Map<String, TrafficCounters> next, Instant end) {}

  /** The traffic since the last committed delta, from the cumulative rows. */
  Pending next(
      List<TrafficCounters> routes,
      List<TrafficCounters> clusters,
      TrafficCounters unrouted,
      List<TrafficCounters> endpoints,
      Instant end) {
    Map<String, TrafficCounters> next = new HashMap<>();
    TrafficDelta.Builder delta =
        TrafficDelta.newBuilder()
            .setSequence(sequence + 1)
            .setStart(ProtoTime.timestamp(start))
            .setEnd(ProtoTime.timestamp(end));
    for (TrafficCounters c : routes) {
      TrafficCounters d = diff("r", c, next);
      if (d != null) {
        delta.addRoutes(d);
      }
    }
    for (TrafficCounters c : clusters) {
      TrafficCounters d = diff("c", c, next);
      if (d != null) {
        delta.addClusters(d);
      }
    }
    for (TrafficCounters c : endpoints) {
      TrafficCounters d = diff("e", c, next);
      if (d != null) {
        delta.addEndpoints(d);
      }
    }
    TrafficCounters u = diff("u", unrouted, next);
    if (u != null) {
      delta.setUnrouted(u);
    }
    return new Pending(delta.build(), next, end);
  }

  /** Makes {@code pending} the baseline: it was handed to the control plane. */
  void commit(Pending pending) {
    baselines = pending.next();
    start = pending.end();
    sequence = pending.delta().getSequence();
  }

  /**
   * The difference of one row with its baseline, or null when it had no traffic; records the row's
   * new baseline in {@code next}.
   */
  private @Nullable TrafficCounters diff(
      String kind, TrafficCounters now, Map<String, TrafficCounters> next) {
    // An endpoint row is named by its cluster: the endpoint completes its identity.
    String key = kind + now.getName() + "\u0000" + now.getEndpoint();
    next.put(key, now);
    TrafficCounters b = baselines.getOrDefault(key, TrafficCounters.getDefaultInstance());
    if (now.getRequests() < b.getRequests()) {
      b = TrafficCounters.getDefaultInstance(); // the meter was made again: it restarted from zero
    }
    if (now.getRequests() == b.getRequests()
        && now.getUpstreamFailures() == b.getUpstreamFailures()
        && now.getRetryBudgetExhausted() == b.getRetryBudgetExhausted()
        && now.getCircuitBreakerOverflows() == b.getCircuitBreakerOverflows()
        && now.getConnectFailures() == b.getConnectFailures()
        && now.getResets() == b.getResets()
        && now.getTimeouts() == b.getTimeouts()) {
      return null; // no traffic in the interval
    }
    TrafficCounters.Builder d =
        now.toBuilder()
            .clearLatencyHistogram()
            .clearLatencyCount()
            .clearLatencyP50Us()
            .clearLatencyP99Us()
            .clearLatencyMaxUs()
            .setRequests(minus(now.getRequests(), b.getRequests()))
            .setResponses2Xx(minus(now.getResponses2Xx(), b.getResponses2Xx()))
            .setResponses3Xx(minus(now.getResponses3Xx(), b.getResponses3Xx()))
            .setResponses4Xx(minus(now.getResponses4Xx(), b.getResponses4Xx()))
            .setResponses5Xx(minus(now.getResponses5Xx(), b.getResponses5Xx()))
            .setUpstreamFailures(minus(now.getUpstreamFailures(), b.getUpstreamFailures()))
            .setRetries(minus(now.getRetries(), b.getRetries()))
            .setRetryBudgetExhausted(
                minus(now.getRetryBudgetExhausted(), b.getRetryBudgetExhausted()))
            .setCircuitBreakerOverflows(
                minus(now.getCircuitBreakerOverflows(), b.getCircuitBreakerOverflows()))
            .setConnectFailures(minus(now.getConnectFailures(), b.getConnectFailures()))
            .setResets(minus(now.getResets(), b.getResets()))
            .setTimeouts(minus(now.getTimeouts(), b.getTimeouts()));
    Histogram interval =
        latencyDelta(decode(now.getLatencyHistogram()), decode(b.getLatencyHistogram()));
    if (interval != null && interval.getTotalCount() > 0) {
      d.setLatencyHistogram(encode(interval))
          .setLatencyCount(interval.getTotalCount())
          .setLatencyP50Us(interval.getValueAtPercentile(50.0))
          .setLatencyP99Us(interval.getValueAtPercentile(99.0))
          .setLatencyMaxUs(interval.getMaxValue());
    }
    return d.build();
  }

  private static long minus(long now, long before) {
    return Math.max(0, now - before);
  }

  private static @Nullable Histogram latencyDelta(
      @Nullable Histogram now, @Nullable Histogram before) {
    if (now == null) {
      return null;
    }
    Histogram d = now.copy();
    if (before != null) {
      try {
        d.subtract(before);
      } catch (IllegalArgumentException e) {
        // A sample count went down: the histogram restarted; the whole of it is new.
        return now.copy();
      }
    }
    return d;
  }

  private static @Nullable Histogram decode(ByteString bytes) {
    if (bytes.isEmpty()) {
      return null;
    }
    try {
      return Histogram.decodeFromCompressedByteBuffer(bytes.asReadOnlyByteBuffer(), 0);
    } catch (DataFormatException | RuntimeException e) {
      return null;
    }
  }

  private static ByteString encode(Histogram h) {
    ByteBuffer encoded = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(encoded);
    return ByteString.copyFrom(encoded.array(), 0, length);
  }
}
