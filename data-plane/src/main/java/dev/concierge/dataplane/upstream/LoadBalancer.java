package dev.concierge.dataplane.upstream;

import java.util.List;

/** Picks an endpoint of one cluster for each request; implementations are thread-safe and lock-free. */
public interface LoadBalancer {
  /** The endpoint for the next request, or {@code null} when none is available. */
  Endpoint pick();

  /** The endpoints this balancer may pick from, in schedule order of first appearance. */
  List<Endpoint> candidates();
}
