package dev.concierge.controlplane.management;

import com.google.protobuf.Duration;

/** Range checks of protobuf durations. */
final class Durations {
  private Durations() {}

  /** Whether the duration is above zero and at most maxSeconds, with well-formed nanos. */
  static boolean isPositiveAtMost(Duration d, long maxSeconds) {
    if (d.getNanos() < 0 || d.getNanos() > 999_999_999 || d.getSeconds() < 0) {
      return false;
    }
    boolean positive = d.getSeconds() > 0 || d.getNanos() > 0;
    boolean withinMax =
        d.getSeconds() < maxSeconds || (d.getSeconds() == maxSeconds && d.getNanos() == 0);
    return positive && withinMax;
  }

  static String format(Duration d) {
    return d.getNanos() == 0
        ? d.getSeconds() + "s"
        : String.format("%d.%09ds", d.getSeconds(), d.getNanos());
  }
}
