package dev.concierge.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.dataplane.cluster.EndpointState;
import org.junit.jupiter.api.Test;

class HealthVerdictTest {
  private static final HealthCheckPolicy TWO_THREE =
      new HealthCheckPolicy(1000, 100, 2, 3, 0, null);

  private final EndpointState state = new EndpointState();
  private final HealthVerdict verdict = new HealthVerdict(state);

  @Test
  void anUnknownEndpointTakesTrafficAndItsFirstResultActsAtOnce() {
    assertThat(state.isAvailable()).isTrue();
    assertThat(state.isChecked()).isFalse();
    assertThat(verdict.record(false, TWO_THREE)).isEqualTo(HealthVerdict.Change.BECAME_UNHEALTHY);
    assertThat(state.isChecked()).isTrue();
    assertThat(state.isAvailable()).isFalse();
  }

  @Test
  void aFirstPassMakesAnEndpointKnownAndThenTheUnhealthyThresholdApplies() {
    assertThat(verdict.record(true, TWO_THREE)).isEqualTo(HealthVerdict.Change.NONE);
    assertThat(state.isChecked()).isTrue();
    assertThat(verdict.record(false, TWO_THREE)).isEqualTo(HealthVerdict.Change.NONE);
    assertThat(verdict.record(false, TWO_THREE)).isEqualTo(HealthVerdict.Change.NONE);
    assertThat(state.isAvailable()).isTrue();
    assertThat(verdict.record(false, TWO_THREE)).isEqualTo(HealthVerdict.Change.BECAME_UNHEALTHY);
    assertThat(state.isHealthy()).isFalse();
    assertThat(state.isAvailable()).isFalse();
  }

  @Test
  void aPassBetweenFailuresStartsTheCountOver() {
    verdict.record(true, TWO_THREE); // known healthy: the thresholds apply from here
    verdict.record(false, TWO_THREE);
    verdict.record(false, TWO_THREE);
    verdict.record(true, TWO_THREE);
    verdict.record(false, TWO_THREE);
    verdict.record(false, TWO_THREE);
    assertThat(state.isHealthy()).isTrue();
    verdict.record(false, TWO_THREE);
    assertThat(state.isHealthy()).isFalse();
  }

  @Test
  void anUnhealthyEndpointNeedsHealthyThresholdPassesInARow() {
    for (int i = 0; i < 3; i++) {
      verdict.record(false, TWO_THREE);
    }
    assertThat(verdict.record(true, TWO_THREE)).isEqualTo(HealthVerdict.Change.NONE);
    verdict.record(false, TWO_THREE);
    assertThat(verdict.record(true, TWO_THREE)).isEqualTo(HealthVerdict.Change.NONE);
    assertThat(state.isHealthy()).isFalse();
    assertThat(verdict.record(true, TWO_THREE)).isEqualTo(HealthVerdict.Change.BECAME_HEALTHY);
    assertThat(state.isAvailable()).isTrue();
  }

  @Test
  void thresholdsOfOneActAtTheFirstResult() {
    HealthCheckPolicy ones = new HealthCheckPolicy(1000, 100, 1, 1, 0, null);
    assertThat(verdict.record(false, ones)).isEqualTo(HealthVerdict.Change.BECAME_UNHEALTHY);
    assertThat(verdict.record(true, ones)).isEqualTo(HealthVerdict.Change.BECAME_HEALTHY);
  }

  @Test
  void aPassedCheckEndsAPassiveEjection() {
    verdict.record(true, TWO_THREE);
    state.eject(java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
    assertThat(state.isEjected()).isTrue();
    verdict.record(false, TWO_THREE);
    assertThat(state.isEjected()).isTrue();
    verdict.record(true, TWO_THREE);
    assertThat(state.isEjected()).isFalse();
    assertThat(state.isAvailable()).isTrue();
  }
}
