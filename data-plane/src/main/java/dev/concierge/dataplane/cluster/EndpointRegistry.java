package dev.concierge.dataplane.cluster;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The node-lifetime state of every cluster by resource name. A compiled runtime holds references
 * into it, resolved when it is compiled; what the runtime in force no longer names is dropped by
 * {@link #retain}. Thread-safe.
 */
public final class EndpointRegistry {
  private final ConcurrentHashMap<String, ClusterState> clusters = new ConcurrentHashMap<>();

  /** The state of cluster {@code name}, made on first use. */
  public ClusterState cluster(String name) {
    return clusters.computeIfAbsent(name, k -> new ClusterState());
  }

  /** The state of cluster {@code name}, or null when the node has none (tests, admin). */
  public @Nullable ClusterState find(String name) {
    return clusters.get(name);
  }

  /** The state of endpoint {@code address} of cluster {@code name}, or null when there is none. */
  public @Nullable EndpointState find(String name, String address) {
    ClusterState cluster = clusters.get(name);
    return cluster == null ? null : cluster.find(address);
  }

  /** Calls {@code action} with each cluster's name and state (reporting, metrics). */
  public void forEach(BiConsumer<String, ClusterState> action) {
    clusters.forEach(action);
  }

  /** Keeps only the clusters, and within them the endpoint addresses, of {@code inForce}. */
  public void retain(Map<String, Set<String>> inForce) {
    clusters.keySet().retainAll(inForce.keySet());
    clusters.forEach((name, state) -> state.retain(inForce.getOrDefault(name, Set.of())));
  }
}
