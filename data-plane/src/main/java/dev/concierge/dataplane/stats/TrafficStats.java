package dev.concierge.dataplane.stats;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.cluster.EndpointMeter;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * The node's meters: one per route and per cluster by resource name, and one for unrouted requests.
 * A compiled runtime holds the meters of its routes and clusters, resolved once when it is
 * compiled, so the request path never looks a meter up. Meters outlive config swaps; those of
 * routes and clusters that the runtime in force no longer has are dropped by {@link #retain}. The
 * endpoints' meters live in their node-lifetime state, read here through the {@link
 * EndpointRegistry}. Thread-safe.
 */
public final class TrafficStats {
  private final EndpointRegistry endpoints;
  private final ConcurrentHashMap<String, TrafficMeter> routes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, TrafficMeter> clusters = new ConcurrentHashMap<>();
  private final TrafficMeter unrouted = new TrafficMeter();
  private final LongAdder inFlight = new LongAdder();

  /** Stats whose endpoint counters come from {@code endpoints}. */
  public TrafficStats(EndpointRegistry endpoints) {
    this.endpoints = requireNonNull(endpoints, "endpoints");
  }

  /** Stats with a registry of their own, so with no endpoint counters (tests, tools). */
  public TrafficStats() {
    this(new EndpointRegistry());
  }

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

  /** The adder of requests in flight, for the stats stage. */
  LongAdder inFlightAdder() {
    return inFlight;
  }

  /** Requests the node is handling now. */
  public long inFlight() {
    return inFlight.sum();
  }

  /** Calls {@code action} with each route's name and meter. */
  public void forEachRoute(BiConsumer<String, TrafficMeter> action) {
    routes.forEach(action);
  }

  /** Calls {@code action} with each cluster's name and meter. */
  public void forEachCluster(BiConsumer<String, TrafficMeter> action) {
    clusters.forEach(action);
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

  /**
   * The counters of every endpoint of every cluster, named after the cluster with {@code endpoint}
   * set, sorted by cluster and address.
   */
  public List<TrafficCounters> endpointCounters() {
    TreeMap<String, TreeMap<String, EndpointMeter>> sorted = new TreeMap<>();
    endpoints.forEach(
        (cluster, state) ->
            state.forEachEndpoint(
                (address, endpoint) ->
                    sorted
                        .computeIfAbsent(cluster, k -> new TreeMap<>())
                        .put(address, endpoint.meter())));
    List<TrafficCounters> out = new ArrayList<>();
    sorted.forEach(
        (cluster, meters) ->
            meters.forEach((address, meter) -> out.add(endpointCounters(cluster, address, meter))));
    return out;
  }

  private static TrafficCounters endpointCounters(
      String cluster, String address, EndpointMeter meter) {
    return LatencyHistograms.fill(TrafficCounters.newBuilder(), meter.durations())
        .setName(cluster)
        .setEndpoint(address)
        .setRequests(meter.tries())
        .setRetries(meter.retries())
        .setConnectFailures(meter.connectFailures())
        .setResets(meter.resets())
        .setTimeouts(meter.timeouts())
        .setUpstreamFailures(meter.connectFailures() + meter.resets() + meter.timeouts())
        .build();
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
