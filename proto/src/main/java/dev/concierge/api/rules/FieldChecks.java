package dev.concierge.api.rules;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import java.util.stream.Collectors;

/** Checks of field shapes that several kinds of resource share. */
public final class FieldChecks {
  /** Longest description of any resource. */
  public static final int MAX_DESCRIPTION = 256;

  /** Largest weight of an endpoint (0 means 1) or of a cluster in a split (0 drains it). */
  public static final int MAX_WEIGHT = 1000;

  private FieldChecks() {}

  public static void description(String description, String field, ViolationSink sink) {
    if (description.length() > MAX_DESCRIPTION) {
      sink.add(field, "must be at most " + MAX_DESCRIPTION + " characters");
    }
  }

  static void weight(int weight, String field, ViolationSink sink) {
    if (Integer.compareUnsigned(weight, MAX_WEIGHT) > 0) {
      sink.add(
          field, "must be at most " + MAX_WEIGHT + ", not " + Integer.toUnsignedString(weight));
    }
  }

  /** Records "must be at most {limit}" when the unsigned {@code value} is above {@code max}. */
  static void atMost(long value, long max, String limit, String field, ViolationSink sink) {
    if (Long.compareUnsigned(value, max) > 0) {
      sink.add(field, "must be at most " + limit + ", not " + Long.toUnsignedString(value));
    }
  }

  /** Records a violation unless {@code d} is above zero and at most {@code max}. */
  static void positiveAtMost(Duration d, Duration max, String field, ViolationSink sink) {
    if (!Durations.isValid(d) || !Durations.isPositive(d) || Durations.compare(d, max) > 0) {
      sink.add(
          field, "must be above 0 and at most " + Durations.toString(max) + ", not " + format(d));
    }
  }

  static String format(Duration d) {
    return Durations.isValid(d)
        ? Durations.toString(d)
        : d.getSeconds() + "s and " + d.getNanos() + "ns";
  }

  /**
   * Whether {@code value} is a number of the enum {@code type} (a newer client may send one that
   * this build does not know); records a violation when not.
   */
  static boolean known(int value, EnumDescriptor type, String field, ViolationSink sink) {
    if (type.findValueByNumber(value) != null) {
      return true;
    }
    sink.add(
        field,
        "unknown value "
            + value
            + " (one of "
            + type.getValues().stream()
                .map(EnumValueDescriptor::getName)
                .collect(Collectors.joining(", "))
            + ")");
    return false;
  }
}
