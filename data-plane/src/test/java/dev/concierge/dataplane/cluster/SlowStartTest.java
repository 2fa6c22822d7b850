package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SlowStartTest {
  private static final SlowStartPolicy TEN_SECONDS =
      new SlowStartPolicy(Duration.ofSeconds(10), 0.1, 1.0);

  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicLong clockReads = new AtomicLong();
  private final ClusterState cluster =
      new ClusterState(
          () -> {
            clockReads.incrementAndGet();
            return now.get();
          });

  private List<Endpoint> endpoints(int n) {
    List<Endpoint> out = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      String host = "10.0.0." + i;
      out.add(new Endpoint(host, 80, 1, 0, cluster.endpoint(Endpoint.addressOf(host, 80))));
    }
    return out;
  }

  private void advanceSeconds(double seconds) {
    now.addAndGet((long) (seconds * TimeUnit.SECONDS.toNanos(1)));
  }

  private static double share(LoadBalancer balancer, Endpoint e, int n) {
    Map<Endpoint, Integer> counts = BalancerTesting.counts(balancer, n);
    return counts.getOrDefault(e, 0) / (double) n;
  }

  /** A comes back after being unhealthy; B stayed: A's share is f / (1 + f). */
  @ParameterizedTest
  @EnumSource(
      value = BalancingPolicy.class,
      names = {"ROUND_ROBIN", "RANDOM"})
  void aReturningEndpointsShareFollowsTheRampOverTheWindow(BalancingPolicy policy) {
    List<Endpoint> two = endpoints(2);
    Endpoint a = two.get(0);
    a.state().setHealthy(false);
    LoadBalancer balancer = policy.balancer(two, cluster, 140, 0, TEN_SECONDS);
    a.state().setHealthy(true); // the ramp begins now

    assertThat(share(balancer, a, 40_000)).isCloseTo(0.1 / 1.1, within(0.015)); // min weight
    advanceSeconds(5);
    assertThat(share(balancer, a, 40_000)).isCloseTo(0.5 / 1.5, within(0.015));
    advanceSeconds(4);
    assertThat(share(balancer, a, 40_000)).isCloseTo(0.9 / 1.9, within(0.015));
    advanceSeconds(1);
    assertThat(share(balancer, a, 40_000)).isCloseTo(0.5, within(0.015));
  }

  @Test
  void anEjectionThatRunsOutStartsARampAsAHealthVerdictDoes() {
    List<Endpoint> two = endpoints(2);
    Endpoint a = two.get(0);
    LoadBalancer balancer = BalancingPolicy.RANDOM.balancer(two, cluster, 140, 0, TEN_SECONDS);
    a.state().eject(TimeUnit.SECONDS.toNanos(30));
    assertThat(share(balancer, a, 1_000)).isZero();

    advanceSeconds(30); // the ejection ends at the next look, and the ramp with it
    assertThat(share(balancer, a, 40_000)).isCloseTo(0.1 / 1.1, within(0.015));
    advanceSeconds(5);
    assertThat(share(balancer, a, 40_000)).isCloseTo(0.5 / 1.5, within(0.015));
  }

  @Test
  void roundRobinGivesARampingEndpointItsEffectiveWeightAmongMany() {
    List<Endpoint> four = endpoints(4);
    Endpoint a = four.get(0);
    a.state().setHealthy(false);
    LoadBalancer balancer =
        BalancingPolicy.ROUND_ROBIN.balancer(four, cluster, 140, 0, TEN_SECONDS);
    a.state().setHealthy(true);
    advanceSeconds(2.5); // f = 0.25: share 0.25 / 3.25, the others 1 / 3.25 each

    Map<Endpoint, Integer> counts = BalancerTesting.counts(balancer, 40_000);

    assertThat(counts.get(a) / 40_000.0).isCloseTo(0.25 / 3.25, within(0.01));
    for (Endpoint other : four.subList(1, 4)) {
      assertThat(counts.get(other) / 40_000.0).isCloseTo(1 / 3.25, within(0.01));
    }
  }

  @Test
  void leastRequestKeepsARampingWinnerWithProbabilityItsFactor() {
    List<Endpoint> two = endpoints(2);
    Endpoint a = two.get(0);
    a.state().setHealthy(false);
    LoadBalancer balancer =
        BalancingPolicy.LEAST_REQUEST.balancer(two, cluster, 140, 0, TEN_SECONDS);
    a.state().setHealthy(true);
    two.get(1).state().tryStarted(); // B is busier: without a ramp A would win every time

    double early = share(balancer, a, 20_000);
    advanceSeconds(5);
    double middle = share(balancer, a, 20_000);
    advanceSeconds(5);
    double done = share(balancer, a, 20_000);

    // A wins every comparison (B is busier) and keeps it with probability f.
    assertThat(early).isCloseTo(0.1, within(0.015));
    assertThat(middle).isCloseTo(0.5, within(0.015));
    assertThat(done).isEqualTo(1.0);
  }

  @Test
  void aggressionAboveOneRampsFasterEarly() {
    List<Endpoint> two = endpoints(2);
    Endpoint a = two.get(0);
    a.state().setHealthy(false);
    LoadBalancer balancer =
        BalancingPolicy.RANDOM.balancer(
            two, cluster, 140, 0, new SlowStartPolicy(Duration.ofSeconds(10), 0.1, 2.0));
    a.state().setHealthy(true);
    advanceSeconds(2.5); // f = 0.25 ^ (1/2) = 0.5

    assertThat(share(balancer, a, 40_000)).isCloseTo(0.5 / 1.5, within(0.015));
  }

  @Test
  void anEndpointAddedToARunningClusterRampsButNotTheFirstOnes() {
    List<Endpoint> first = endpoints(2);
    cluster.settle();
    LoadBalancer balancer =
        BalancingPolicy.ROUND_ROBIN.balancer(first, cluster, 140, 0, TEN_SECONDS);
    assertThat(share(balancer, first.get(0), 1_000)).isEqualTo(0.5);

    List<Endpoint> three = endpoints(3); // 10.0.0.3 joins now
    LoadBalancer next = BalancingPolicy.ROUND_ROBIN.balancer(three, cluster, 140, 0, TEN_SECONDS);

    assertThat(share(next, three.get(2), 30_000)).isCloseTo(0.1 / 2.1, within(0.015));
    advanceSeconds(10);
    assertThat(share(next, three.get(2), 30_000)).isCloseTo(1 / 3.0, within(0.015));
  }

  @Test
  void withoutARampPicksReadNoClock() {
    List<Endpoint> two = endpoints(2);
    LoadBalancer plain =
        BalancingPolicy.ROUND_ROBIN.balancer(two, cluster, 140, 0, SlowStartPolicy.NONE);
    LoadBalancer ramped = BalancingPolicy.RANDOM.balancer(two, cluster, 140, 0, TEN_SECONDS);
    long before = clockReads.get();

    BalancerTesting.counts(plain, 1_000);
    BalancerTesting.counts(ramped, 1_000); // slow start on, but nothing ramps

    assertThat(clockReads.get()).isEqualTo(before);
  }

  @Test
  void theLastRampsEndTurnsTheClockReadsOff() {
    List<Endpoint> two = endpoints(2);
    two.get(0).state().setHealthy(false);
    LoadBalancer balancer = BalancingPolicy.RANDOM.balancer(two, cluster, 140, 0, TEN_SECONDS);
    two.get(0).state().setHealthy(true);
    advanceSeconds(11);
    balancer.pick(1, null, 0); // sees the ramp is over
    long before = clockReads.get();

    BalancerTesting.counts(balancer, 1_000);

    assertThat(clockReads.get()).isEqualTo(before);
  }

  @ParameterizedTest
  @EnumSource(
      value = BalancingPolicy.class,
      names = {"RING_HASH", "MAGLEV"})
  void hashingPoliciesIgnoreSlowStart(BalancingPolicy policy) {
    List<Endpoint> two = endpoints(2);
    two.get(0).state().setHealthy(false);
    LoadBalancer balancer = policy.balancer(two, cluster, 140, 0, TEN_SECONDS);
    two.get(0).state().setHealthy(true);

    assertThat(share(balancer, two.get(0), 20_000)).isCloseTo(0.5, within(0.03));
  }
}
