package dev.concierge.dataplane.stats;

import dev.concierge.api.v1.TrafficCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative request counters per route and per cluster since the node started. Recording is
 * lock-free (LongAdder); thread-safe.
 */
public final class TrafficStats {
  private final ConcurrentHashMap<String, Counters> routes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counters> clusters = new ConcurrentHashMap<>();

  /** Counts one finished request of {@code route} (and {@code cluster}, if one was chosen). */
  public void recordResponse(String route, String cluster, int status) {
    counters(routes, route).record(status);
    if (cluster != null) {
      counters(clusters, cluster).record(status);
    }
  }

  /** Counts a request that got no response from upstream (refused, reset, timed out). */
  public void recordUpstreamFailure(String route, String cluster) {
    counters(routes, route).upstreamFailures.increment();
    if (cluster != null) {
      counters(clusters, cluster).upstreamFailures.increment();
    }
  }

  /** The route counters, sorted by name. */
  public List<TrafficCounters> routeCounters() {
    return snapshot(routes);
  }

  /** The cluster counters, sorted by name. */
  public List<TrafficCounters> clusterCounters() {
    return snapshot(clusters);
  }

  private static Counters counters(ConcurrentHashMap<String, Counters> map, String name) {
    Counters counters = map.get(name);
    return counters != null ? counters : map.computeIfAbsent(name, k -> new Counters());
  }

  private static List<TrafficCounters> snapshot(Map<String, Counters> map) {
    List<TrafficCounters> out = new ArrayList<>();
    new TreeMap<>(map).forEach((name, c) -> out.add(c.toProto(name)));
    return out;
  }

  private static final class Counters {
    final LongAdder requests = new LongAdder();
    final LongAdder r2xx = new LongAdder();
    final LongAdder r3xx = new LongAdder();
    final LongAdder r4xx = new LongAdder();
    final LongAdder r5xx = new LongAdder();
    final LongAdder upstreamFailures = new LongAdder();

    void record(int status) {
      requests.increment();
      switch (status / 100) {
        case 2 -> r2xx.increment();
        case 3 -> r3xx.increment();
        case 4 -> r4xx.increment();
        case 5 -> r5xx.increment();
        default -> { }
      }
    }

    TrafficCounters toProto(String name) {
      return TrafficCounters.newBuilder()
          .setName(name)
          .setRequests(requests.sum())
          .setResponses2Xx(r2xx.sum())
          .setResponses3Xx(r3xx.sum())
          .setResponses4Xx(r4xx.sum())
          .setResponses5Xx(r5xx.sum())
          .setUpstreamFailures(upstreamFailures.sum())
          .build();
    }
  }
}
