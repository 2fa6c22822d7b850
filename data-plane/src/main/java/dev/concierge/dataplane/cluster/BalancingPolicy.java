package dev.concierge.dataplane.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/** How a cluster picks among the endpoints of one priority level; builds its balancers. */
public enum BalancingPolicy {
  ROUND_ROBIN,
  LEAST_REQUEST,
  RANDOM,
  RING_HASH,
  MAGLEV;

  /** Whether picks need the hash of a request key ({@link RequestHash}). */
  public boolean hashes() {
    return this == RING_HASH || this == MAGLEV;
  }

  /**
   * The balancer of a cluster: this policy's over each priority level, in a {@link
   * PriorityBalancer} when there is more than one level, else the level's balancer alone (so a
   * one-level cluster pays nothing for priorities).
   *
   * @param state the cluster's node-lifetime state (round-robin positions, availability)
   * @param overprovisioningPercent at least 100
   */
  public LoadBalancer balancer(
      List<Endpoint> endpoints, ClusterState state, int overprovisioningPercent) {
    TreeMap<Integer, List<Endpoint>> byPriority = new TreeMap<>();
    for (Endpoint e : endpoints) {
      byPriority.computeIfAbsent(e.priority(), k -> new ArrayList<>()).add(e);
    }
    if (byPriority.size() <= 1) {
      return level(endpoints, state.position(byPriority.isEmpty() ? 0 : byPriority.firstKey()));
    }
    List<LoadBalancer> levels = new ArrayList<>();
    byPriority.forEach((priority, members) -> levels.add(level(members, state.position(priority))));
    return new PriorityBalancer(
        levels,
        List.copyOf(byPriority.values()),
        overprovisioningPercent,
        state.availability(),
        state.nanoClock());
  }

  /** This policy's balancer over the endpoints of one level. */
  LoadBalancer level(List<Endpoint> endpoints, AtomicLong position) {
    return switch (this) {
      case ROUND_ROBIN -> RoundRobinBalancer.of(endpoints, position);
      case LEAST_REQUEST -> LeastRequestBalancer.of(endpoints);
      case RANDOM -> RandomBalancer.of(endpoints);
      case RING_HASH -> RingHashBalancer.of(endpoints);
      case MAGLEV -> MaglevBalancer.of(endpoints);
    };
  }

  /** The number of priority levels of {@code endpoints}. */
  public static int levels(List<Endpoint> endpoints) {
    return (int) endpoints.stream().mapToInt(Endpoint::priority).distinct().count();
  }
}
