package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LeastRequestBalancerTest {
  private static final int PICKS = 40_000;

  @Test
  void idleEndpointsShareByWeight() {
    Endpoint heavy = new Endpoint("10.0.0.1", 80, 3, 0);
    Endpoint light = new Endpoint("10.0.0.2", 80, 1, 0);
    Endpoint other = new Endpoint("10.0.0.3", 80, 1, 0);

    Map<Endpoint, Integer> counts =
        BalancerTesting.counts(LeastRequestBalancer.of(List.of(heavy, light, other)), PICKS);

    assertThat(counts.get(heavy) / (double) PICKS).isCloseTo(0.6, within(0.02));
    assertThat(counts.get(light) / (double) PICKS).isCloseTo(0.2, within(0.02));
  }

  @Test
  void ofTwoChoicesTakesTheOneWithFewerInFlightPerWeight() {
    Endpoint busy = new Endpoint("10.0.0.1", 80, 1, 0);
    Endpoint idle = new Endpoint("10.0.0.2", 80, 1, 0);
    busy.state().tryStarted();

    Map<Endpoint, Integer> counts =
        BalancerTesting.counts(LeastRequestBalancer.of(List.of(busy, idle)), 1_000);

    assertThat(counts).containsOnlyKeys(idle);
    Endpoint heavy = new Endpoint("10.0.0.3", 80, 4, 0);
    heavy.state().tryStarted();
    heavy.state().tryStarted(); // 2 in flight per 4 weight is lighter than 1 per 1
    assertThat(BalancerTesting.counts(LeastRequestBalancer.of(List.of(busy, heavy)), 1_000))
        .containsOnlyKeys(heavy);
  }

  @Test
  void aLoadedEndpointAmongManyGetsLess() {
    List<Endpoint> endpoints = BalancerTesting.endpoints(5);
    LeastRequestBalancer balancer = LeastRequestBalancer.of(endpoints);
    Endpoint slow = endpoints.get(0);
    SplittableRandom random = new SplittableRandom(1);
    int toSlow = 0;
    // Every request ends at once except on the slow one, which holds 3 at a time.
    for (int i = 0; i < 10_000; i++) {
      if (slow.state().inFlight() < 3) {
        slow.state().tryStarted();
      }
      Endpoint e = balancer.pick(random.nextLong(), null, 0);
      if (slow.equals(e)) {
        toSlow++;
      }
    }

    assertThat(toSlow).as("a fifth would be 2,000").isZero();
  }

  @Test
  void stepsOverTriedAndUnavailableEndpoints() {
    List<Endpoint> endpoints = BalancerTesting.endpoints(3);
    endpoints.get(2).state().setHealthy(false);
    LeastRequestBalancer balancer = LeastRequestBalancer.of(endpoints);
    Endpoint[] tried = {endpoints.get(0)};

    for (long seed = 0; seed < 200; seed++) {
      assertThat(balancer.pick(seed, tried, 1)).isEqualTo(endpoints.get(1));
    }
    assertThat(LeastRequestBalancer.of(List.of()).pick()).isNull();
  }
}
