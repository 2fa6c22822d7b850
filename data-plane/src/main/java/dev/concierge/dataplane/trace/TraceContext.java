package dev.concierge.dataplane.trace;

import static java.util.Objects.requireNonNull;

import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.jspecify.annotations.Nullable;

/**
 * The W3C Trace Context (Level 1) of one proxy hop: the trace it belongs to, the span the hop is (a
 * new parent id for the backend), the caller's span when the request came with a valid {@code
 * traceparent}, the trace flags and when the hop started, so that an exporter can turn it into a
 * span later. A request without a valid {@code traceparent} starts a new trace, sampled as a {@link
 * TraceSampler} decides; a continued one keeps the caller's flags (sampled or not).
 *
 * <p>Kept as the one {@code traceparent} value sent upstream (the only string made per request)
 * plus the caller's value as received; the ids are cut from them when asked. Immutable and
 * thread-safe.
 */
public final class TraceContext {
  /** The header carrying trace id, parent id and flags. */
  public static final String TRACEPARENT = "traceparent";

  /** The vendors' header, passed on unchanged with a valid traceparent. */
  public static final String TRACESTATE = "tracestate";

  /** Length of a version-00 traceparent value. */
  static final int LENGTH = 55;

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final int TRACE_ID = 3;
  private static final int PARENT_ID = 36;
  private static final int FLAGS = 53;

  private final String traceparent;
  private final @Nullable String incoming;
  private final long startEpochNanos;

  private TraceContext(String traceparent, @Nullable String incoming, long startEpochNanos) {
    this.traceparent = requireNonNull(traceparent, "traceparent");
    this.incoming = incoming;
    this.startEpochNanos = startEpochNanos;
  }

  /**
   * The hop of a request with headers {@code fields}: it continues the trace of a valid {@code
   * traceparent} (one line only), else starts a new one with flags 00.
   *
   * @param random draws the new span id (and the trace id of a new trace)
   * @param startEpochNanos when the hop started, in nanoseconds since the epoch
   */
  public static TraceContext of(HttpFields fields, RandomGenerator random, long startEpochNanos) {
    return of(fields, random, startEpochNanos, TraceSampler.never());
  }

  /**
   * The hop of a request with headers {@code fields}: it continues the trace of a valid {@code
   * traceparent} (one line only) with the caller's flags, else starts a new one, sampled (flags 01)
   * when {@code sampler} samples the new root, else 00.
   *
   * @param random draws the new span id (and the trace id of a new trace)
   * @param startEpochNanos when the hop started, in nanoseconds since the epoch
   */
  public static TraceContext of(
      HttpFields fields, RandomGenerator random, long startEpochNanos, TraceSampler sampler) {
    String received = null;
    for (HttpField field : fields) {
      if (field.getHeader() == null && field.getName().equalsIgnoreCase(TRACEPARENT)) {
        if (received != null) {
          received = null; // two lines: which one holds is unknown, so neither does
          break;
        }
        received = field.getValue();
      }
    }
    return of(received, random, startEpochNanos, sampler);
  }

  /**
   * The hop after a caller that sent {@code received} as its traceparent ({@code null}: none); a
   * new trace is not sampled.
   *
   * @see #of(HttpFields, RandomGenerator, long)
   */
  public static TraceContext of(
      @Nullable String received, RandomGenerator random, long startEpochNanos) {
    return of(received, random, startEpochNanos, TraceSampler.never());
  }

  /**
   * The hop after a caller that sent {@code received} as its traceparent ({@code null}: none).
   *
   * @see #of(HttpFields, RandomGenerator, long, TraceSampler)
   */
  public static TraceContext of(
      @Nullable String received,
      RandomGenerator random,
      long startEpochNanos,
      TraceSampler sampler) {
    char[] out = new char[LENGTH];
    out[0] = '0';
    out[1] = '0';
    out[2] = '-';
    out[TRACE_ID + 32] = '-';
    out[FLAGS - 1] = '-';
    String caller = received != null && isValid(received) ? received : null;
    if (caller != null) {
      caller.getChars(TRACE_ID, TRACE_ID + 32, out, TRACE_ID);
      out[FLAGS] = caller.charAt(FLAGS);
      out[FLAGS + 1] = caller.charAt(FLAGS + 1);
    } else {
      long high;
      long low;
      do {
        high = random.nextLong();
        low = random.nextLong();
      } while (high == 0 && low == 0);
      hex(high, out, TRACE_ID);
      hex(low, out, TRACE_ID + 16);
      out[FLAGS] = '0';
      out[FLAGS + 1] = sampler.samplesRoot(low) ? '1' : '0';
    }
    long span;
    do {
      span = random.nextLong();
    } while (span == 0);
    hex(span, out, PARENT_ID);
    return new TraceContext(new String(out), caller, startEpochNanos);
  }

  /**
   * Whether {@code value} is a traceparent this hop continues: version 00 exactly as specified (55
   * characters), or a later version (not ff) whose first four fields read as version 00's and that
   * goes on only after a '-'; trace and parent ids lowercase hex and not all zeros.
   */
  public static boolean isValid(String value) {
    int length = value.length();
    if (length < LENGTH) {
      return false;
    }
    char v0 = value.charAt(0);
    char v1 = value.charAt(1);
    if (!isHex(v0) || !isHex(v1) || (v0 == 'f' && v1 == 'f')) {
      return false;
    }
    boolean v00 = v0 == '0' && v1 == '0';
    if (v00 ? length != LENGTH : (length > LENGTH && value.charAt(LENGTH) != '-')) {
      return false;
    }
    return value.charAt(2) == '-'
        && value.charAt(PARENT_ID - 1) == '-'
        && value.charAt(FLAGS - 1) == '-'
        && isNonZeroHex(value, TRACE_ID, PARENT_ID - 1)
        && isNonZeroHex(value, PARENT_ID, FLAGS - 1)
        && isHex(value.charAt(FLAGS))
        && isHex(value.charAt(FLAGS + 1));
  }

  private static boolean isNonZeroHex(String value, int from, int to) {
    boolean nonZero = false;
    for (int i = from; i < to; i++) {
      char c = value.charAt(i);
      if (!isHex(c)) {
        return false;
      }
      nonZero |= c != '0';
    }
    return nonZero;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  }

  private static void hex(long value, char[] out, int at) {
    for (int i = 15; i >= 0; i--) {
      out[at + i] = HEX[(int) (value & 0xF)];
      value >>>= 4;
    }
  }

  /** The traceparent to send upstream: this trace, this hop's span id, the flags. */
  public String traceparent() {
    return traceparent;
  }

  /** The trace id, 32 lowercase hex digits. */
  public String traceId() {
    return traceparent.substring(TRACE_ID, PARENT_ID - 1);
  }

  /** This hop's span id (the parent id the backend sees), 16 lowercase hex digits. */
  public String spanId() {
    return traceparent.substring(PARENT_ID, FLAGS - 1);
  }

  /** The caller's span id, or {@code null} when this hop started the trace. */
  public @Nullable String parentSpanId() {
    String caller = incoming;
    return caller == null ? null : caller.substring(PARENT_ID, FLAGS - 1);
  }

  /** Whether the request came with a valid traceparent (its tracestate then goes on too). */
  public boolean continued() {
    return incoming != null;
  }

  /** The trace flags (bit 0: sampled). */
  public int flags() {
    return Character.digit(traceparent.charAt(FLAGS), 16) << 4
        | Character.digit(traceparent.charAt(FLAGS + 1), 16);
  }

  /** Whether the trace is sampled (flags bit 0): the hop's span is exported when spans are. */
  public boolean sampled() {
    return (Character.digit(traceparent.charAt(FLAGS + 1), 16) & 1) != 0;
  }

  /** When the hop started, in nanoseconds since the epoch. */
  public long startEpochNanos() {
    return startEpochNanos;
  }

  @Override
  public String toString() {
    return traceparent;
  }
}
