package dev.concierge.dataplane.cluster;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Picks an endpoint of one cluster for each try; implementations are thread-safe and lock-free. */
public interface LoadBalancer {
  /**
   * The endpoint for the next try: a healthy one not among the first {@code triedCount} of {@code
   * tried} when there is one, else a tried or unhealthy one, or {@code null} when the cluster has
   * no endpoint at all.
   */
  @Nullable Endpoint pick(Endpoint @Nullable [] tried, int triedCount);

  /** The endpoint for a first try. */
  default @Nullable Endpoint pick() {
    return pick(null, 0);
  }

  /** The endpoints this balancer may pick from, in schedule order of first appearance. */
  List<Endpoint> candidates();
}
