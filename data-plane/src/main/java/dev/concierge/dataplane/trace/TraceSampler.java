package dev.concierge.dataplane.trace;

/**
 * Whether a trace this node starts is sampled. Parent-based as OpenTelemetry's default sampler: a
 * continued trace keeps its caller's sampled flag ({@link TraceContext} copies the flags), and only
 * a new root is decided here, by ratio on the trace id's lower 64 bits the way OpenTelemetry's
 * {@code TraceIdRatioBased} sampler decides, so a downstream OpenTelemetry sampler with the same
 * ratio agrees. The decision costs one comparison and no draw of its own. Immutable.
 */
public final class TraceSampler {
  private static final TraceSampler NEVER = new TraceSampler(0);

  private final double ratio;
  // |lower 64 bits| below this: sampled. Long.MIN_VALUE samples nothing.
  private final long bound;

  private TraceSampler(double ratio) {
    this.ratio = ratio;
    this.bound =
        ratio == 0 ? Long.MIN_VALUE : ratio == 1 ? Long.MAX_VALUE : (long) (ratio * Long.MAX_VALUE);
  }

  /** Samples no new root: a node that exports no spans (its traces' flags say "not sampled"). */
  public static TraceSampler never() {
    return NEVER;
  }

  /**
   * Samples new roots at {@code ratio}: 0 none, 1 all.
   *
   * @throws IllegalArgumentException when {@code ratio} is not within [0, 1]
   */
  public static TraceSampler ratio(double ratio) {
    if (!(ratio >= 0 && ratio <= 1)) {
      throw new IllegalArgumentException("sample ratio must be within 0..1: " + ratio);
    }
    return ratio == 0 ? NEVER : new TraceSampler(ratio);
  }

  /** Whether the new trace whose id ends in the 64 bits {@code traceIdLow} is sampled. */
  public boolean samplesRoot(long traceIdLow) {
    // Math.abs(Long.MIN_VALUE) stays negative: sampled unless nothing is, as OpenTelemetry has it.
    return Math.abs(traceIdLow) < bound;
  }

  /** The ratio of new roots sampled. */
  public double ratio() {
    return ratio;
  }

  @Override
  public String toString() {
    return "TraceSampler{parent-based, roots at " + ratio + "}";
  }
}
