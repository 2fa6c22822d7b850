package dev.concierge.dataplane.stats;

import dev.concierge.api.v1.TrafficCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's meters: one per route and per cluster by resource name, and one for unrouted requests.
 * A compiled runtime holds the meters of its routes and clusters, resolved once when it is
 * compiled, so the request path never looks a meter up. Meters outlive config swaps; those of
 * routes and clusters that the runtime in force no longer has are dropped by {@link #retain}.
 * Thread-safe.
 */
public final class TrafficStats {
  private final ConcurrentHashMap<String, TrafficMeter> routes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, TrafficMeter> clusters = new ConcurrentHashMap<>();
  private final TrafficMeter unrouted = new TrafficMeter();

  /** The meter of route {@code name}, made on first use. */
  public TrafficMeter route(String name) {
    return routes.computeIfAbsent(name, k -> new TrafficMeter());
  }

  /** The meter of cluster {@code name}, made on first use. */
  public TrafficMeter cluster(String name) {
    return clusters.computeIfAbsent(name, k -> new TrafficMeter());
  }

  /** The meter of requests that no route took, and of answers given before routing. */
  public TrafficMeter unrouted() {
    return unrouted;
  }

  /** Drops the meters of routes and clusters not named (those the runtime in force lacks). */
  public void retain(Set<String> routeNames, Set<String> clusterNames) {
    routes.keySet().retainAll(routeNames);
    clusters.keySet().retainAll(clusterNames);
  }

  /** The route counters, sorted by name. */
  public List<TrafficCounters> routeCounters() {
    return snapshot(routes);
  }

  /** The cluster counters, sorted by name. */
  public List<TrafficCounters> clusterCounters() {
    return snapshot(clusters);
  }

  /** The unrouted counters (empty name). */
  public TrafficCounters unroutedCounters() {
    return unrouted.toProto("");
  }

  private static List<TrafficCounters> snapshot(ConcurrentHashMap<String, TrafficMeter> map) {
    List<TrafficCounters> out = new ArrayList<>();
    new TreeMap<>(map).forEach((name, meter) -> out.add(meter.toProto(name)));
    return out;
  }
}
