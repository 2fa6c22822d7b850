package dev.concierge.controlplane.fleet;

import com.google.protobuf.ByteString;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.TrafficCounters;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds up the nodes' latest reports into Stats: counters by route and cluster name, the unrouted
 * requests, and the latency histograms (whose sum gives the fleet's percentiles).
 */
final class TrafficSums {
  private static final Logger log = LoggerFactory.getLogger(TrafficSums.class);

  private TrafficSums() {}

  /** The reports, one per node, summed as of {@code time}. */
  static Stats stats(Collection<NodeReport> reports, Instant time) {
    Map<String, Sum> routes = new TreeMap<>();
    Map<String, Sum> clusters = new TreeMap<>();
    Sum unrouted = new Sum("");
    boolean anyUnrouted = false;
    for (NodeReport report : reports) {
      add(routes, report.getRoutesList());
      add(clusters, report.getClustersList());
      if (report.hasUnrouted()) {
        anyUnrouted = true;
        unrouted.add(report.getUnrouted());
      }
    }
    Stats.Builder stats =
        Stats.newBuilder().setTime(ProtoTime.timestamp(time)).setNodes(reports.size());
    routes.values().forEach(s -> stats.addRoutes(s.build()));
    clusters.values().forEach(s -> stats.addClusters(s.build()));
    if (anyUnrouted) {
      stats.setUnrouted(unrouted.build());
    }
    return stats.build();
  }

  private static void add(Map<String, Sum> sums, List<TrafficCounters> counters) {
    for (TrafficCounters c : counters) {
      sums.computeIfAbsent(c.getName(), Sum::new).add(c);
    }
  }

  /** The counters of one name over the nodes. Not thread-safe. */
  private static final class Sum {
    private final TrafficCounters.Builder counters;
    private @Nullable Histogram latency; // null until a report brings a readable histogram

    Sum(String name) {
      counters = TrafficCounters.newBuilder().setName(name);
    }

    void add(TrafficCounters c) {
      counters
          .setRequests(counters.getRequests() + c.getRequests())
          .setResponses2Xx(counters.getResponses2Xx() + c.getResponses2Xx())
          .setResponses3Xx(counters.getResponses3Xx() + c.getResponses3Xx())
          .setResponses4Xx(counters.getResponses4Xx() + c.getResponses4Xx())
          .setResponses5Xx(counters.getResponses5Xx() + c.getResponses5Xx())
          .setUpstreamFailures(counters.getUpstreamFailures() + c.getUpstreamFailures())
          .setRetries(counters.getRetries() + c.getRetries())
          .setRetryBudgetExhausted(counters.getRetryBudgetExhausted() + c.getRetryBudgetExhausted())
          .setCircuitBreakerOverflows(
              counters.getCircuitBreakerOverflows() + c.getCircuitBreakerOverflows());
      if (!c.getLatencyHistogram().isEmpty()) {
        addLatency(c);
      }
    }

    /** Adds the report's histogram; one that cannot be read is left out, the counters stay. */
    private void addLatency(TrafficCounters c) {
      try {
        ByteBuffer bytes = c.getLatencyHistogram().asReadOnlyByteBuffer();
        Histogram h = Histogram.decodeFromCompressedByteBuffer(bytes, 0);
        if (latency == null) {
          h.setAutoResize(true);
          latency = h;
        } else {
          latency.add(h);
        }
      } catch (DataFormatException | RuntimeException e) {
        log.debug("unreadable latency histogram of \"{}\" left out: {}", c.getName(), e.toString());
      }
    }

    TrafficCounters build() {
      if (latency != null && latency.getTotalCount() > 0) {
        ByteBuffer encoded = ByteBuffer.allocate(latency.getNeededByteBufferCapacity());
        int length = latency.encodeIntoCompressedByteBuffer(encoded);
        counters
            .setLatencyHistogram(ByteString.copyFrom(encoded.array(), 0, length))
            .setLatencyCount(latency.getTotalCount())
            .setLatencyP50Us(latency.getValueAtPercentile(50.0))
            .setLatencyP99Us(latency.getValueAtPercentile(99.0))
            .setLatencyMaxUs(latency.getMaxValue());
      }
      return counters.build();
    }
  }
}
