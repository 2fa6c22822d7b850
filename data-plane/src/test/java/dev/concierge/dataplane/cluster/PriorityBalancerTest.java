package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PriorityBalancerTest {
  private final AtomicLong now = new AtomicLong();
  private final ClusterState cluster = new ClusterState(now::get);
  private final List<Endpoint> primary = new ArrayList<>();
  private final List<Endpoint> backup = new ArrayList<>();

  private PriorityBalancer build(BalancingPolicy policy, int overprovisioning) {
    for (int i = 1; i <= 4; i++) {
      primary.add(endpoint("10.0.0." + i, 0));
      backup.add(endpoint("10.0.1." + i, 1));
    }
    List<Endpoint> all = new ArrayList<>(backup);
    all.addAll(primary);
    return (PriorityBalancer) policy.balancer(all, cluster, overprovisioning);
  }

  private Endpoint endpoint(String host, int priority) {
    return new Endpoint(host, 80, 1, priority, cluster.endpoint(Endpoint.addressOf(host, 80)));
  }

  private static double shareOf(Map<Endpoint, Integer> counts, List<Endpoint> level, int n) {
    return level.stream().mapToInt(e -> counts.getOrDefault(e, 0)).sum() / (double) n;
  }

  @Test
  void trafficStaysOnTheHighestPriorityWhileItIsAvailable() {
    PriorityBalancer balancer = build(BalancingPolicy.ROUND_ROBIN, 140);
    primary.get(0).state().setHealthy(false); // 75 % x 1.4 is still over 100 %

    assertThat(balancer.loads()).containsExactly(100, 0);
    Map<Endpoint, Integer> counts = BalancerTesting.counts(balancer, 1_000);
    assertThat(counts).doesNotContainKeys(backup.toArray(Endpoint[]::new));
    assertThat(counts).doesNotContainKey(primary.get(0));
  }

  @Test
  void overflowsInPartAndComesBack() {
    PriorityBalancer balancer = build(BalancingPolicy.RANDOM, 140);
    primary.get(0).state().setHealthy(false);
    primary.get(1).state().setHealthy(false); // 50 % x 1.4 = 70 %

    assertThat(balancer.loads()).containsExactly(70, 30);
    Map<Endpoint, Integer> counts = BalancerTesting.counts(balancer, 20_000);
    assertThat(shareOf(counts, primary, 20_000)).isCloseTo(0.7, within(0.02));
    assertThat(shareOf(counts, backup, 20_000)).isCloseTo(0.3, within(0.02));

    primary.forEach(e -> e.state().setHealthy(false));
    assertThat(balancer.loads()).containsExactly(0, 100);
    assertThat(shareOf(BalancerTesting.counts(balancer, 1_000), backup, 1_000)).isEqualTo(1.0);

    primary.forEach(e -> e.state().setHealthy(true));
    assertThat(shareOf(BalancerTesting.counts(balancer, 1_000), primary, 1_000)).isEqualTo(1.0);
  }

  @Test
  void theOverprovisioningFactorIsConfigurable() {
    PriorityBalancer balancer = build(BalancingPolicy.LEAST_REQUEST, 100);
    primary.get(0).state().setHealthy(false);

    assertThat(balancer.loads()).containsExactly(75, 25);
  }

  @Test
  void levelsThatCannotTakeEverythingTogetherAreScaledUp() {
    PriorityBalancer balancer = build(BalancingPolicy.ROUND_ROBIN, 100);
    for (int i = 0; i < 3; i++) {
      primary.get(i).state().setHealthy(false); // 25 %
      backup.get(i).state().setHealthy(false); // 25 %
    }

    assertThat(balancer.loads()).containsExactly(50, 50);
  }

  @Test
  void withNothingAvailableEverythingGoesToTheFirstLevel() {
    PriorityBalancer balancer = build(BalancingPolicy.ROUND_ROBIN, 140);
    primary.forEach(e -> e.state().setHealthy(false));
    backup.forEach(e -> e.state().setHealthy(false));

    assertThat(balancer.loads()).containsExactly(100, 0);
    assertThat(BalancerTesting.counts(balancer, 100).keySet()).isSubsetOf(primary);
  }

  @Test
  void anEjectedLevelTakesTrafficBackWhenItsEjectionRunsOut() {
    PriorityBalancer balancer = build(BalancingPolicy.MAGLEV, 140);
    for (Endpoint e : primary) {
      e.state().eject(TimeUnit.SECONDS.toNanos(10));
    }
    assertThat(shareOf(BalancerTesting.counts(balancer, 1_000), backup, 1_000)).isEqualTo(1.0);

    now.addAndGet(TimeUnit.SECONDS.toNanos(10));

    assertThat(shareOf(BalancerTesting.counts(balancer, 1_000), primary, 1_000)).isEqualTo(1.0);
  }

  @Test
  void aRetryMovesToTheNextLevelWhenItsOwnHasNoUntriedEndpoint() {
    List<Endpoint> all =
        List.of(endpoint("10.0.0.1", 0), endpoint("10.0.1.1", 1), endpoint("10.0.2.1", 2));
    LoadBalancer balancer = BalancingPolicy.ROUND_ROBIN.balancer(all, cluster, 140);
    Endpoint first = balancer.pick(1, null, 0);

    assertThat(first).isEqualTo(all.get(0));
    assertThat(balancer.pick(1, new Endpoint[] {first}, 1)).isEqualTo(all.get(1));
    assertThat(balancer.pick(1, new Endpoint[] {first, all.get(1)}, 2)).isEqualTo(all.get(2));
  }

  @Test
  void aSingleLevelGetsNoWrapper() {
    assertThat(BalancingPolicy.ROUND_ROBIN.balancer(BalancerTesting.endpoints(3), cluster, 140))
        .isInstanceOf(RoundRobinBalancer.class);
  }
}
