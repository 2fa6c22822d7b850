package dev.concierge.dataplane.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Endpoints and pick counting for balancer tests. */
final class BalancerTesting {
  private BalancerTesting() {}

  /** {@code n} endpoints 10.0.0.1:80… of weight 1 at priority 0. */
  static List<Endpoint> endpoints(int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      out.add(new Endpoint("10.0.0." + i, 80, 1, 0));
    }
    return out;
  }

  /** How often each endpoint is picked in {@code n} first tries with seeded random seeds. */
  static Map<Endpoint, Integer> counts(LoadBalancer balancer, int n) {
    SplittableRandom random = new SplittableRandom(42);
    Map<Endpoint, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      counts.merge(balancer.pick(random.nextLong(), null, 0), 1, Integer::sum);
    }
    return counts;
  }
}
