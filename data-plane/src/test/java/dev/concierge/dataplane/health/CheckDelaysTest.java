package dev.concierge.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckDelaysTest {
  private static final long INTERVAL = 1_000_000_000L;

  @ParameterizedTest
  @ValueSource(ints = {0, 10, 50})
  void waitsStayWithinTheJitterShareBelowTheInterval(int jitterPercent) {
    HealthCheckPolicy policy = new HealthCheckPolicy(INTERVAL, 1, 1, 1, jitterPercent, null);
    CheckDelays delays = new CheckDelays(new SplittableRandom(42));
    long lowest = Long.MAX_VALUE;
    long highest = Long.MIN_VALUE;
    for (int i = 0; i < 10_000; i++) {
      long next = delays.next(policy);
      lowest = Math.min(lowest, next);
      highest = Math.max(highest, next);
      assertThat(delays.first(policy)).isBetween(0L, INTERVAL - 1);
    }
    long floor = INTERVAL - INTERVAL / 100 * jitterPercent;
    assertThat(lowest).isGreaterThanOrEqualTo(floor);
    assertThat(highest).isLessThanOrEqualTo(INTERVAL);
    // The draws use the share: with jitter, they spread over most of it.
    if (jitterPercent > 0) {
      assertThat(highest - lowest).isGreaterThan((INTERVAL - floor) * 9 / 10);
    } else {
      assertThat(lowest).isEqualTo(INTERVAL);
    }
  }
}
