package dev.concierge.dataplane.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.dataplane.upstream.RouteRetryPolicy.Condition;
import java.time.Duration;
import java.util.EnumSet;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RouteRetryPolicyTest {
  /** Always the largest value asked for: the backoff's ceiling. */
  private static final RandomGenerator CEILING =
      new RandomGenerator() {
        @Override
        public long nextLong() {
          return 0;
        }

        @Override
        public long nextLong(long bound) {
          return bound - 1;
        }
      };

  private static RouteRetryPolicy policy(boolean nonIdempotent, Condition... conditions) {
    EnumSet<Condition> set = EnumSet.noneOf(Condition.class);
    set.addAll(java.util.List.of(conditions));
    return RouteRetryPolicy.of(
        set, Duration.ofMillis(200), Duration.ofMillis(25), Duration.ofMillis(250), nonIdempotent);
  }

  @ParameterizedTest
  @EnumSource(UpstreamOutcome.class)
  void defaultsAreTheBehaviourOfARouteWithoutAPolicy(UpstreamOutcome outcome) {
    RouteRetryPolicy defaults = RouteRetryPolicy.defaults();
    boolean get = defaults.retriesOn(outcome, false, "GET");
    boolean post = defaults.retriesOn(outcome, false, "POST");

    assertThat(get).isEqualTo(outcome.nothingSent() || outcome == UpstreamOutcome.RESET);
    assertThat(post).isEqualTo(outcome.nothingSent());
    assertThat(defaults.retriesStatuses()).isFalse();
    assertThat(defaults.backoffNanos(1, CEILING)).isZero();
    assertThat(defaults.perTryTimeoutMillis()).isZero();
  }

  @Test
  void retriesOnlyTheListedStatusesOfIdempotentMethods() {
    RouteRetryPolicy p = policy(false, Condition.STATUS_503);

    assertThat(p.retriesStatuses()).isTrue();
    assertThat(p.retriesOnStatus(503, "GET")).isTrue();
    assertThat(p.retriesOnStatus(502, "GET")).isFalse();
    assertThat(p.retriesOnStatus(200, "GET")).isFalse();
    assertThat(p.retriesOnStatus(503, "POST")).isFalse();
    assertThat(policy(true, Condition.STATUS_503).retriesOnStatus(503, "POST")).isTrue();
  }

  @Test
  void aTimeoutIsRetriedOnlyWhenItWasThePerTryOne() {
    RouteRetryPolicy p = policy(false, Condition.PER_TRY_TIMEOUT);

    assertThat(p.retriesOn(UpstreamOutcome.TIMEOUT, true, "GET")).isTrue();
    assertThat(p.retriesOn(UpstreamOutcome.TIMEOUT, false, "GET")).as("the route's").isFalse();
    assertThat(p.retriesOn(UpstreamOutcome.TIMEOUT, true, "PATCH")).isFalse();
    assertThat(p.retriesOn(UpstreamOutcome.REFUSED, false, "GET")).as("not listed").isFalse();
    assertThat(policy(false, Condition.RESET).retriesOn(UpstreamOutcome.TIMEOUT, true, "GET"))
        .isFalse();
  }

  @Test
  void connectFailuresAreRetriedForAnyMethodWhenListed() {
    RouteRetryPolicy p = policy(false, Condition.CONNECT_FAILURE);

    assertThat(p.retriesOn(UpstreamOutcome.REFUSED, false, "POST")).isTrue();
    assertThat(p.retriesOn(UpstreamOutcome.CONNECT_TIMEOUT, false, "POST")).isTrue();
    assertThat(p.retriesOn(UpstreamOutcome.UNRESOLVED, false, "POST")).isTrue();
    assertThat(p.retriesOn(UpstreamOutcome.RESET, false, "GET")).isFalse();
  }

  @Test
  void backoffDoublesUpToTheCapWithFullJitter() {
    RouteRetryPolicy p = policy(false, Condition.RESET);

    assertThat(p.backoffNanos(1, CEILING)).isEqualTo(Duration.ofMillis(25).toNanos());
    assertThat(p.backoffNanos(2, CEILING)).isEqualTo(Duration.ofMillis(50).toNanos());
    assertThat(p.backoffNanos(4, CEILING)).isEqualTo(Duration.ofMillis(200).toNanos());
    assertThat(p.backoffNanos(5, CEILING)).isEqualTo(Duration.ofMillis(250).toNanos());
    assertThat(p.backoffNanos(40, CEILING)).isEqualTo(Duration.ofMillis(250).toNanos());
    RandomGenerator seeded = RandomGenerator.of("L64X128MixRandom");
    for (int retry = 1; retry < 8; retry++) {
      assertThat(p.backoffNanos(retry, seeded)).isBetween(0L, Duration.ofMillis(250).toNanos());
    }
  }
}
