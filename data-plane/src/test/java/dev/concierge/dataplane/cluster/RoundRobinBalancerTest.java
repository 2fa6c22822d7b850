package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoundRobinBalancerTest {
  private static final Endpoint A = new Endpoint("10.0.0.1", 80, 1, 0);
  private static final Endpoint B = new Endpoint("10.0.0.2", 80, 1, 0);
  private static final Endpoint C = new Endpoint("10.0.0.3", 80, 1, 0);

  private static List<Endpoint> picks(LoadBalancer balancer, int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(balancer.pick());
    }
    return out;
  }

  @Test
  void alternatesBetweenEqualEndpoints() {
    LoadBalancer balancer = RoundRobinBalancer.of(List.of(A, B, C));

    assertThat(picks(balancer, 6)).containsExactly(A, B, C, A, B, C);
  }

  @Test
  void followsWeightsAndInterleaves() {
    Endpoint heavy = new Endpoint("10.0.0.1", 80, 5, 0);
    LoadBalancer balancer = RoundRobinBalancer.of(List.of(heavy, B, C));

    List<Endpoint> cycle = picks(balancer, 7);
    Map<Endpoint, Integer> counts = new HashMap<>();
    cycle.forEach(e -> counts.merge(e, 1, Integer::sum));
    assertThat(counts).containsEntry(heavy, 5).containsEntry(B, 1).containsEntry(C, 1);
    // Smooth interleaving: the heavy endpoint never gets more than 3 in a row.
    assertThat(cycle).containsExactly(heavy, heavy, B, heavy, C, heavy, heavy);
    assertThat(picks(balancer, 7)).isEqualTo(cycle);
  }

  @Test
  void usesOnlyTheHighestPriorityGroup() {
    Endpoint backup = new Endpoint("10.0.0.9", 80, 100, 1);
    LoadBalancer balancer =
        BalancingPolicy.ROUND_ROBIN.balancer(List.of(backup, A, B), new ClusterState(), 140);

    assertThat(picks(balancer, 10)).containsOnly(A, B);
    assertThat(balancer.candidates()).containsExactly(A, B, backup);
  }

  @Test
  void picksNothingWithoutEndpoints() {
    assertThat(RoundRobinBalancer.of(List.of()).pick()).isNull();
  }

  @Test
  void reducesWeightsByTheirCommonDivisor() {
    Endpoint a = new Endpoint("10.0.0.1", 80, 300, 0);
    Endpoint b = new Endpoint("10.0.0.2", 80, 600, 0);
    LoadBalancer balancer = RoundRobinBalancer.of(List.of(a, b));

    assertThat(picks(balancer, 3)).containsExactlyInAnyOrder(a, b, b);
  }
}
