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

  private void fail(int times) {
    for (int i = 0; i < times; i++) {
      state.connectionFailed();
    }
  }

  private void advanceSeconds(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  @Test
  void fiveConnectionFailuresInARowEjectForTenSeconds() {
    fail(4);
    assertThat(state.isAvailable()).isTrue();
    fail(1);

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
  void aResponseResetsTheCount() {
    fail(4);
    state.responded();
    fail(4);

    assertThat(state.isAvailable()).isTrue();
  }

  @Test
  void ejectionsInARowLastLongerUpToFiveMinutes() {
    long[] expected = {10, 20, 30};
    for (long seconds : expected) {
      fail(5);
      advanceSeconds(seconds - 1);
      assertThat(state.isAvailable()).as("still ejected before %s s", seconds).isFalse();
      advanceSeconds(1);
      assertThat(state.isAvailable()).as("back after %s s", seconds).isTrue();
    }
    for (int i = 0; i < 40; i++) {
      fail(5);
      advanceSeconds(EndpointState.MAX_EJECTION_SECONDS);
    }
    fail(5);
    advanceSeconds(EndpointState.MAX_EJECTION_SECONDS - 1);
    assertThat(state.isAvailable()).isFalse();
    advanceSeconds(1);
    assertThat(state.isAvailable()).as("capped at 300 s").isTrue();
  }

  @Test
  void aResponseAfterAnEjectionStartsTheLengthsOver() {
    fail(5);
    advanceSeconds(10);
    assertThat(state.isAvailable()).isTrue();
    state.responded();
    fail(5);
    advanceSeconds(10);

    assertThat(state.isAvailable()).isTrue();
  }

  @Test
  void everyChangeOfAvailabilityBumpsTheVersion() {
    int before = version.get();
    fail(5);
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
  void countsRequestsInFlight() {
    state.tryStarted();
    state.tryStarted();
    state.tryEnded();

    assertThat(state.inFlight()).isEqualTo(1);
  }
}
