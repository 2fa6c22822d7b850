package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RandomBalancerTest {
  private static final int PICKS = 40_000;

  @Test
  void sharesByWeight() {
    Endpoint heavy = new Endpoint("10.0.0.1", 80, 3, 0);
    Endpoint light = new Endpoint("10.0.0.2", 80, 1, 0);

    Map<Endpoint, Integer> counts =
        BalancerTesting.counts(RandomBalancer.of(List.of(heavy, light)), PICKS);

    assertThat(counts.get(heavy) / (double) PICKS).isCloseTo(0.75, within(0.02));
  }

  @Test
  void sharesEquallyWithoutWeights() {
    List<Endpoint> endpoints = BalancerTesting.endpoints(4);

    Map<Endpoint, Integer> counts = BalancerTesting.counts(RandomBalancer.of(endpoints), PICKS);

    for (Endpoint e : endpoints) {
      assertThat(counts.get(e) / (double) PICKS).isCloseTo(0.25, within(0.02));
    }
  }

  @Test
  void skipsUnavailableAndTriedEndpoints() {
    List<Endpoint> endpoints = BalancerTesting.endpoints(3);
    endpoints.get(0).state().setHealthy(false);
    LoadBalancer balancer = RandomBalancer.of(endpoints);

    assertThat(BalancerTesting.counts(balancer, 1_000)).doesNotContainKey(endpoints.get(0));
    Endpoint[] tried = {endpoints.get(1)};
    for (long seed = 0; seed < 100; seed++) {
      assertThat(balancer.pick(seed, tried, 1)).isEqualTo(endpoints.get(2));
    }
  }

  @Test
  void fallsBackToAnUnavailableOneRatherThanNone() {
    List<Endpoint> endpoints = BalancerTesting.endpoints(2);
    endpoints.forEach(e -> e.state().setHealthy(false));
    Endpoint[] tried = {endpoints.get(0)};

    assertThat(RandomBalancer.of(endpoints).pick(7, tried, 1)).isEqualTo(endpoints.get(1));
    assertThat(RandomBalancer.of(List.of()).pick()).isNull();
  }
}
