package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Ring hash and Maglev alike: stable keys, minimal remapping, weights. */
class ConsistentHashTest {
  private static final int KEYS = 10_000;

  private static LoadBalancer build(BalancingPolicy policy, List<Endpoint> endpoints) {
    return policy.level(endpoints, new AtomicLong());
  }

  private static long key(int i) {
    return Picks.hash("user-" + i);
  }

  /** The address each key goes to. */
  private static String[] owners(LoadBalancer balancer) {
    String[] owners = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      owners[i] = balancer.pick(key(i), null, 0).address();
    }
    return owners;
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV"})
  void aKeyAlwaysGoesToTheSameEndpointAndKeysSpread(BalancingPolicy policy) {
    List<Endpoint> endpoints = BalancerTesting.endpoints(10);
    String[] first = owners(build(policy, endpoints));
    // A new runtime (a config swap, another node) builds the same table from the addresses.
    String[] again = owners(build(policy, BalancerTesting.endpoints(10)));

    assertThat(again).isEqualTo(first);
    Map<String, Integer> counts = new HashMap<>();
    for (String owner : first) {
      counts.merge(owner, 1, Integer::sum);
    }
    assertThat(counts).hasSize(10);
    counts.values().forEach(c -> assertThat(c / (double) KEYS).isCloseTo(0.1, within(0.03)));
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV"})
  void removingOneOfTenMovesAtMostATenthPlusTwoPoints(BalancingPolicy policy) {
    List<Endpoint> endpoints = BalancerTesting.endpoints(10);
    for (int removed = 0; removed < 10; removed++) {
      List<Endpoint> fewer = new ArrayList<>(endpoints);
      fewer.remove(removed);
      String[] before = owners(build(policy, endpoints));
      String[] after = owners(build(policy, fewer));
      int moved = 0;
      for (int i = 0; i < KEYS; i++) {
        if (!before[i].equals(after[i])) {
          moved++;
        }
      }
      assertThat(moved / (double) KEYS)
          .as("share of keys moved when %s is removed", endpoints.get(removed))
          .isLessThanOrEqualTo(0.1 + 0.02);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV"})
  void weightsAreRespected(BalancingPolicy policy) {
    Endpoint heavy = new Endpoint("10.0.0.1", 80, 3, 0);
    Endpoint light = new Endpoint("10.0.0.2", 80, 1, 0);
    String[] owners = owners(build(policy, List.of(heavy, light)));
    long toHeavy = java.util.Arrays.stream(owners).filter(heavy.address()::equals).count();

    assertThat(toHeavy / (double) KEYS).isCloseTo(0.75, within(0.03));
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV"})
  void anUnavailableOrTriedEndpointsKeysMoveAndOnlyThose(BalancingPolicy policy) {
    List<Endpoint> endpoints = BalancerTesting.endpoints(5);
    LoadBalancer balancer = build(policy, endpoints);
    String[] before = owners(balancer);
    Endpoint down = endpoints.get(2);
    down.state().setHealthy(false);
    String[] after = owners(balancer);

    for (int i = 0; i < KEYS; i++) {
      if (before[i].equals(down.address())) {
        assertThat(after[i]).isNotEqualTo(down.address());
      } else {
        assertThat(after[i]).isEqualTo(before[i]);
      }
    }
    down.state().setHealthy(true);
    for (int i = 0; i < 100; i++) {
      Endpoint first = balancer.pick(key(i), null, 0);
      Endpoint retry = balancer.pick(key(i), new Endpoint[] {first}, 1);
      assertThat(retry).isNotSameAs(first);
      assertThat(balancer.pick(key(i), new Endpoint[] {first}, 1)).isSameAs(retry);
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"RING_HASH", "MAGLEV"})
  void withEveryEndpointDownStillPicksOne(BalancingPolicy policy) {
    List<Endpoint> endpoints = BalancerTesting.endpoints(3);
    endpoints.forEach(e -> e.state().setHealthy(false));

    assertThat(build(policy, endpoints).pick(key(1), null, 0)).isIn(endpoints);
    assertThat(build(policy, List.of()).pick()).isNull();
  }

  @org.junit.jupiter.api.Test
  void theRingHasAtLeast1024Points() {
    assertThat(RingHashBalancer.of(BalancerTesting.endpoints(2)).size())
        .isGreaterThanOrEqualTo(1024);
  }
}
