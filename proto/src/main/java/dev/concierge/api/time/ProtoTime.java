package dev.concierge.api.time;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import java.time.Instant;

/**
 * java.time ⇄ {@link Timestamp} and {@link Duration}, checked by protobuf-java-util's {@link
 * Timestamps} and {@link Durations} (protobuf-java-util 3.25 has no java.time conversions of its
 * own; 4.x's JavaTimeConversions would replace this class).
 */
public final class ProtoTime {
  private ProtoTime() {}

  /** The instant as a Timestamp; throws IllegalArgumentException outside Timestamp's range. */
  public static Timestamp timestamp(Instant instant) {
    return Timestamps.checkValid(
        Timestamp.newBuilder()
            .setSeconds(instant.getEpochSecond())
            .setNanos(instant.getNano())
            .build());
  }

  /** The Timestamp as an instant. */
  public static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  /** The protobuf Duration as a java.time one; throws IllegalArgumentException when invalid. */
  public static java.time.Duration duration(Duration duration) {
    Durations.checkValid(duration);
    return java.time.Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
  }

  /** The java.time Duration as a protobuf one; throws IllegalArgumentException beyond ±10,000 y. */
  public static Duration duration(java.time.Duration duration) {
    long seconds = duration.getSeconds();
    int nanos = duration.getNano();
    // java.time keeps nanos in [0, 1e9) even below zero; protobuf wants seconds and nanos of one
    // sign.
    if (seconds < 0 && nanos > 0) {
      seconds += 1;
      nanos -= 1_000_000_000;
    }
    return Durations.checkValid(Duration.newBuilder().setSeconds(seconds).setNanos(nanos).build());
  }
}
