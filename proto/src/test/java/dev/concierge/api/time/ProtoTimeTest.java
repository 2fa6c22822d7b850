package dev.concierge.api.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProtoTimeTest {

  @Test
  void roundTripsInstantsAndDurationsToTheNanosecond() {
    Instant instant = Instant.parse("2026-12-05T02:30:00.123456789Z");
    assertThat(ProtoTime.timestamp(instant))
        .isEqualTo(Timestamp.newBuilder().setSeconds(1_796_437_800L).setNanos(123_456_789).build());
    assertThat(ProtoTime.instant(ProtoTime.timestamp(instant))).isEqualTo(instant);

    java.time.Duration negative = java.time.Duration.ofMillis(-1_500);
    assertThat(ProtoTime.duration(negative))
        .isEqualTo(Duration.newBuilder().setSeconds(-1).setNanos(-500_000_000).build());
    assertThat(ProtoTime.duration(ProtoTime.duration(negative))).isEqualTo(negative);
  }

  @Test
  void refusesValuesOutsideTheWellKnownTypesRanges() {
    assertThatThrownBy(() -> ProtoTime.timestamp(Instant.MAX))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> ProtoTime.duration(Duration.newBuilder().setSeconds(1).setNanos(-1).build()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
