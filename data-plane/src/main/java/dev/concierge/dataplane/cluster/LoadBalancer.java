package dev.concierge.dataplane.cluster;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Picks an endpoint of one cluster for each try; implementations are thread-safe, lock-free and
 * allocation-free.
 *
 * <p>A pick takes a 64-bit {@code seed} from the request, as the cluster's {@link RequestHash}
 * makes it: the hash of the request key for hashing balancers (the same key, the same endpoint), a
 * random number for random ones, and nothing (0) for round robin, which draws nothing.
 */
public interface LoadBalancer {
  /**
   * The endpoint for the next try: an available one not among the first {@code triedCount} of
   * {@code tried} when there is one, else a tried or unavailable one, or {@code null} when the
   * cluster has no endpoint at all. A retry passes the first try's seed again.
   */
  @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount);

  /** The endpoint for a first try with seed 0. */
  default @Nullable Endpoint pick() {
    return pick(0, null, 0);
  }

  /** The endpoints this balancer may pick from. */
  List<Endpoint> candidates();
}
