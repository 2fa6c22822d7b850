package dev.concierge.dataplane.stats;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.EndpointHealth;
import dev.concierge.api.v1.HealthState;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.EndpointState;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The node's view of every endpoint of the runtime in force, as {@link EndpointHealth} records,
 * with the time each entered its state. {@link #refresh} reads the endpoint states (a few volatile
 * reads each, nothing on the request path) and says whether any changed, so that the reporter can
 * send a transition at once instead of at its next interval. Not thread-safe: the reporter calls it
 * on its one scheduler thread.
 */
public final class EndpointHealthLog {
  private final Supplier<Map<String, CompiledCluster>> clusters;
  private final Clock clock;
  private Map<String, Entry> entries = new HashMap<>();
  private List<EndpointHealth> current = List.of();

  private record Entry(String cluster, String address, HealthState state, Instant since) {}

  /**
   * @param clusters the clusters of the runtime in force by name (none before the first config)
   * @param clock what "since" is read from
   */
  public EndpointHealthLog(Supplier<Map<String, CompiledCluster>> clusters, Clock clock) {
    this.clusters = requireNonNull(clusters, "clusters");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The state a node reports for an endpoint: why it is not used, if it is not. */
  public static HealthState stateOf(Endpoint endpoint) {
    if (endpoint.draining()) {
      return HealthState.DRAINING;
    }
    EndpointState state = endpoint.state();
    if (!state.isHealthy()) {
      return HealthState.UNHEALTHY;
    }
    if (state.isEjected()) {
      return HealthState.EJECTED;
    }
    return state.isMonitored() && !state.isChecked() ? HealthState.UNKNOWN : HealthState.HEALTHY;
  }

  /**
   * Reads every endpoint's state; returns true when any endpoint changed state, appeared or went
   * away since the last call.
   */
  public boolean refresh() {
    Instant time = clock.instant();
    Map<String, Entry> next = new HashMap<>();
    boolean changed = false;
    for (Map.Entry<String, CompiledCluster> cluster : clusters.get().entrySet()) {
      for (Endpoint endpoint : cluster.getValue().endpoints()) {
        String address = endpoint.address();
        String key = cluster.getKey() + ' ' + address;
        if (next.containsKey(key)) {
          continue;
        }
        HealthState state = stateOf(endpoint);
        Entry before = entries.get(key);
        if (before != null && before.state == state) {
          next.put(key, before);
        } else {
          next.put(key, new Entry(cluster.getKey(), address, state, time));
          changed = true;
        }
      }
    }
    changed |= next.size() != entries.size();
    entries = next;
    if (changed) {
      // Protos only on a change: most refreshes find nothing new.
      List<EndpointHealth> list = new ArrayList<>(next.size());
      for (Entry e : next.values()) {
        list.add(
            EndpointHealth.newBuilder()
                .setCluster(e.cluster)
                .setAddress(e.address)
                .setState(e.state)
                .setSince(ProtoTime.timestamp(e.since))
                .build());
      }
      current = List.copyOf(list);
    }
    return changed;
  }

  /** The list as of the last {@link #refresh}. */
  public List<EndpointHealth> current() {
    return current;
  }
}
