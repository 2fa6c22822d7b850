package dev.concierge.dataplane.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

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
    return balancer(endpoints, state, overprovisioningPercent, 0, SlowStartPolicy.NONE);
  }

  /**
   * {@link #balancer(List, ClusterState, int)} with a panic threshold and slow start. A threshold
   * of 0 and {@link SlowStartPolicy#NONE} build exactly the balancers of a cluster without them, so
   * such a cluster pays nothing for either; hashing policies ignore slow start (as Envoy).
   *
   * @param panicThresholdPercent 0-100; 0 panics only when no endpoint is available
   */
  public LoadBalancer balancer(
      List<Endpoint> endpoints,
      ClusterState state,
      int overprovisioningPercent,
      int panicThresholdPercent,
      SlowStartPolicy slowStartPolicy) {
    TreeMap<Integer, List<Endpoint>> byPriority = new TreeMap<>();
    for (Endpoint e : endpoints) {
      byPriority.computeIfAbsent(e.priority(), k -> new ArrayList<>()).add(e);
    }
    @Nullable SlowStartRamps slowStart =
        slowStartPolicy.enabled() && !hashes() && !endpoints.isEmpty()
            ? new SlowStartRamps(
                slowStartPolicy, endpoints, state.availability(), state.nanoClock())
            : null;
    if (byPriority.size() <= 1 && panicThresholdPercent == 0) {
      return level(
          endpoints, state.position(byPriority.isEmpty() ? 0 : byPriority.firstKey()), slowStart);
    }
    if (byPriority.isEmpty()) {
      return level(endpoints, state.position(0), null);
    }
    List<LevelBalancer> levels = new ArrayList<>();
    byPriority.forEach(
        (priority, members) -> levels.add(level(members, state.position(priority), slowStart)));
    return new PriorityBalancer(
        levels,
        List.copyOf(byPriority.values()),
        overprovisioningPercent,
        panicThresholdPercent,
        state.availability(),
        state.nanoClock());
  }

  /** This policy's balancer over the endpoints of one level. */
  LevelBalancer level(List<Endpoint> endpoints, AtomicLong position) {
    return level(endpoints, position, null);
  }

  private LevelBalancer level(
      List<Endpoint> endpoints, AtomicLong position, @Nullable SlowStartRamps slowStart) {
    return switch (this) {
      case ROUND_ROBIN -> RoundRobinBalancer.of(endpoints, position, slowStart);
      case LEAST_REQUEST -> LeastRequestBalancer.of(endpoints, slowStart);
      case RANDOM -> RandomBalancer.of(endpoints, slowStart);
      case RING_HASH -> RingHashBalancer.of(endpoints);
      case MAGLEV -> MaglevBalancer.of(endpoints);
    };
  }

  /** The number of priority levels of {@code endpoints}. */
  public static int levels(List<Endpoint> endpoints) {
    return (int) endpoints.stream().mapToInt(Endpoint::priority).distinct().count();
  }
}
