package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EndpointStateTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final AtomicInteger version = new AtomicInteger();
  private final EndpointState state = new EndpointState(version, now::get);

  private void advanceSeconds(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void anEjectionRunsOutOnTheStatesClock() {
    state.eject(TimeUnit.SECONDS.toNanos(10));

    assertThat(state.isAvailable()).isFalse();
    assertThat(state.isEjected()).isTrue();
    assertThat(state.isHealthy()).as("ejection is not a health verdict").isTrue();
    advanceSeconds(9);
    assertThat(state.isAvailable()).isFalse();
    advanceSeconds(1);
    assertThat(state.isAvailable()).isTrue();
    assertThat(state.isEjected()).isFalse();
  }

  @Test
  void aPassedCheckEndsAnEjection() {
    state.eject(TimeUnit.SECONDS.toNanos(10));
    state.checkPassed();

    assertThat(state.isAvailable()).isTrue();
  }

  @Test
  void everyChangeOfAvailabilityBumpsTheVersion() {
    int before = version.get();
    state.eject(TimeUnit.SECONDS.toNanos(10));
    int ejected = version.get();
    advanceSeconds(10);
    state.isAvailable();
    int back = version.get();
    state.setHealthy(false);

    assertThat(ejected).isGreaterThan(before);
    assertThat(back).isGreaterThan(ejected);
    assertThat(version.get()).isGreaterThan(back);
    assertThat(state.isAvailable()).isFalse();
  }

  @Test
  void streaksGrowKeepAndRestartOneByOne() {
    int all = EndpointState.FIVE_XX | EndpointState.GATEWAY | EndpointState.CONNECT;
    state.recordOutcome(all, 0);
    state.recordOutcome(all, 0);
    long streaks = state.recordOutcome(EndpointState.FIVE_XX, EndpointState.CONNECT);

    assertThat(EndpointState.streak(streaks, EndpointState.FIVE_XX)).isEqualTo(3);
    assertThat(EndpointState.streak(streaks, EndpointState.GATEWAY)).isZero();
    assertThat(EndpointState.streak(streaks, EndpointState.CONNECT)).isEqualTo(2);
    assertThat(state.resetStreak(EndpointState.FIVE_XX, 2)).as("not at that length").isFalse();
    assertThat(state.resetStreak(EndpointState.FIVE_XX, 3)).isTrue();
    assertThat(EndpointState.streak(state.recordOutcome(0, all), EndpointState.CONNECT))
        .isEqualTo(2);
    assertThat(state.recordOutcome(0, 0)).isZero();
  }

  @Test
  void countsTriesAndFailuresPerInterval() {
    state.countTry(false);
    state.countTry(true);
    state.countTry(true);
    long taken = state.takeInterval();

    assertThat(taken >>> 32).isEqualTo(3);
    assertThat(taken & 0xffffffffL).isEqualTo(2);
    assertThat(state.takeInterval()).isZero();
  }

  @Test
  void countsRequestsInFlight() {
    state.tryStarted();
    state.tryStarted();
    state.tryEnded();

    assertThat(state.inFlight()).isEqualTo(1);
  }
}
