package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PanicThresholdTest {
  private final AtomicLong now = new AtomicLong();
  private final ClusterState cluster = new ClusterState(now::get);

  private List<Endpoint> level(String prefix, int priority, int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      String host = prefix + i;
      out.add(new Endpoint(host, 80, 1, priority, cluster.endpoint(Endpoint.addressOf(host, 80))));
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(BalancingPolicy.class)
  void aLevelBelowTheThresholdBalancesOverAllItsEndpoints(BalancingPolicy policy) {
    List<Endpoint> endpoints = level("10.0.0.", 0, 4);
    LoadBalancer panicking = policy.balancer(endpoints, cluster, 140, 60, SlowStartPolicy.NONE);
    LoadBalancer plain = policy.balancer(endpoints, cluster, 140, 0, SlowStartPolicy.NONE);
    endpoints.get(0).state().setHealthy(false);
    endpoints.get(1).state().setHealthy(false); // 50 % available < 60 %, and 50 x 1.4 < 100

    assertThat(BalancerTesting.counts(panicking, 4_000).keySet())
        .containsExactlyInAnyOrderElementsOf(endpoints);
    assertThat(BalancerTesting.counts(plain, 4_000).keySet())
        .containsExactlyInAnyOrder(endpoints.get(2), endpoints.get(3));

    endpoints.get(1).state().setHealthy(true); // 75 %: over the threshold again
    assertThat(BalancerTesting.counts(panicking, 4_000).keySet())
        .containsExactlyInAnyOrder(endpoints.get(1), endpoints.get(2), endpoints.get(3));
  }

  @ParameterizedTest
  @EnumSource(
      value = BalancingPolicy.class,
      names = {"RING_HASH", "MAGLEV"})
  void hashingInPanicKeepsEveryKeyOnTheEndpointItHasWhenAllAreHealthy(BalancingPolicy policy) {
    List<Endpoint> endpoints = level("10.0.0.", 0, 4);
    LoadBalancer balancer = policy.balancer(endpoints, cluster, 140, 60, SlowStartPolicy.NONE);
    SplittableRandom random = new SplittableRandom(7);
    long[] keys = random.longs(2_000).toArray();
    Map<Long, Endpoint> healthy = new HashMap<>();
    for (long key : keys) {
      healthy.put(key, balancer.pick(key, null, 0));
    }
    endpoints.get(0).state().setHealthy(false);
    endpoints.get(1).state().setHealthy(false);

    for (long key : keys) {
      assertThat(balancer.pick(key, null, 0)).isSameAs(healthy.get(key));
    }
  }

  @Test
  void aRetryInPanicStillGoesToAnEndpointNotTriedYet() {
    List<Endpoint> endpoints = level("10.0.0.", 0, 4);
    LoadBalancer balancer =
        BalancingPolicy.MAGLEV.balancer(endpoints, cluster, 140, 60, SlowStartPolicy.NONE);
    endpoints.forEach(e -> e.state().setHealthy(false));
    Endpoint first = balancer.pick(99, null, 0);

    Endpoint second = balancer.pick(99, new Endpoint[] {first}, 1);

    assertThat(second).isNotNull().isNotSameAs(first);
  }

  @Test
  void noPanicWhileTheOtherLevelsCanTakeTheTraffic() {
    List<Endpoint> all = new ArrayList<>(level("10.0.0.", 0, 4));
    all.addAll(level("10.0.1.", 1, 4));
    PriorityBalancer balancer =
        (PriorityBalancer)
            BalancingPolicy.ROUND_ROBIN.balancer(all, cluster, 140, 60, SlowStartPolicy.NONE);
    all.get(0).state().setHealthy(false);
    all.get(1).state().setHealthy(false);
    all.get(2).state().setHealthy(false); // primary 25 % x 1.4 = 35, backup 100: total 100

    assertThat(balancer.inPanic(0)).isFalse();
    assertThat(balancer.loads()).containsExactly(35, 65);
    assertThat(BalancerTesting.counts(balancer, 1_000)).doesNotContainKeys(all.get(0), all.get(1));

    all.get(4).state().setHealthy(false);
    all.get(5).state().setHealthy(false); // backup 50 % x 1.4 = 70: total 105 - still no panic
    assertThat(balancer.inPanic(0)).isFalse();
    all.get(6).state().setHealthy(false); // backup 25 % -> 35: total 70 < 100

    assertThat(balancer.inPanic(0)).isTrue();
    assertThat(balancer.inPanic(1)).isTrue();
    assertThat(balancer.loads()).containsExactly(50, 50); // total panic: by endpoint count
    assertThat(BalancerTesting.counts(balancer, 4_000).keySet())
        .containsExactlyInAnyOrderElementsOf(all);
  }

  @Test
  void onlyTheLevelBelowTheThresholdPanics() {
    List<Endpoint> all = new ArrayList<>(level("10.0.0.", 0, 4));
    all.addAll(level("10.0.1.", 1, 2));
    PriorityBalancer balancer =
        (PriorityBalancer)
            BalancingPolicy.RANDOM.balancer(all, cluster, 100, 50, SlowStartPolicy.NONE);
    all.get(0).state().setHealthy(false);
    all.get(1).state().setHealthy(false);
    all.get(2).state().setHealthy(false); // primary 25 %, backup 100 %... total 125: no panic
    assertThat(balancer.inPanic(0)).isFalse();
    all.get(4).state().setHealthy(false); // backup 50 %: total 75, primary < 50 %, backup not

    assertThat(balancer.inPanic(0)).isTrue();
    assertThat(balancer.inPanic(1)).isFalse();
    assertThat(balancer.loads()).containsExactly(34, 66); // 25 and 50 scaled up to 100
    Map<Endpoint, Integer> counts = BalancerTesting.counts(balancer, 6_000);
    assertThat(counts.keySet()).contains(all.get(0), all.get(1), all.get(2), all.get(3));
    assertThat(counts).doesNotContainKey(all.get(4));
  }

  @Test
  void withoutAThresholdAOneLevelClusterGetsItsPlainBalancer() {
    List<Endpoint> endpoints = level("10.0.0.", 0, 2);

    assertThat(
            BalancingPolicy.ROUND_ROBIN.balancer(endpoints, cluster, 140, 0, SlowStartPolicy.NONE))
        .isInstanceOf(RoundRobinBalancer.class);
    assertThat(
            BalancingPolicy.ROUND_ROBIN.balancer(endpoints, cluster, 140, 50, SlowStartPolicy.NONE))
        .isInstanceOf(PriorityBalancer.class);
  }

  @Test
  void thePanicVerdictIsRecomputedOnlyWhenAvailabilityMoves() {
    AtomicLong reads = new AtomicLong();
    ClusterState counted = new ClusterState(() -> reads.incrementAndGet());
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i = 1; i <= 4; i++) {
      String host = "10.0.2." + i;
      endpoints.add(new Endpoint(host, 80, 1, 0, counted.endpoint(Endpoint.addressOf(host, 80))));
    }
    LoadBalancer balancer =
        BalancingPolicy.ROUND_ROBIN.balancer(endpoints, counted, 140, 60, SlowStartPolicy.NONE);
    endpoints.get(0).state().setHealthy(false);
    endpoints.get(1).state().setHealthy(false);
    balancer.pick();
    long after = reads.get();

    for (int i = 0; i < 1_000; i++) {
      balancer.pick();
    }

    assertThat(reads.get()).isEqualTo(after); // no ejection in force: not even a clock read
  }
}
