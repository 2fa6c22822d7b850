package dev.concierge.api.rules;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.SlowStart;

/**
 * The rules of a cluster's balancing extras: its panic threshold (0-100 %) and its slow start
 * (window 1 s to 1 h, min weight 1-100 %, aggression 0.1-10), with the defaults nodes apply.
 */
public final class BalancingRules {
  /** The shortest slow-start window. */
  public static final Duration MIN_WINDOW = Durations.fromSeconds(1);

  /** The longest slow-start window. */
  public static final Duration MAX_WINDOW = Durations.fromHours(1);

  /** The min weight of a slow start that sets none (Envoy's default), in percent. */
  public static final int DEFAULT_MIN_WEIGHT_PERCENT = 10;

  /** The aggression of a slow start that sets none (a linear ramp, Envoy's default). */
  public static final double DEFAULT_AGGRESSION = 1.0;

  /** The smallest aggression other than 0 (the default). */
  public static final double MIN_AGGRESSION = 0.1;

  /** The largest aggression. */
  public static final double MAX_AGGRESSION = 10.0;

  /** The largest panic threshold, in percent. */
  public static final int MAX_PANIC_THRESHOLD_PERCENT = 100;

  private BalancingRules() {}

  /** Tells {@code sink} every broken field of {@code cluster}'s panic threshold and slow start. */
  public static void check(Cluster cluster, String prefix, ViolationSink sink) {
    FieldChecks.atMost(
        Integer.toUnsignedLong(cluster.getPanicThresholdPercent()),
        MAX_PANIC_THRESHOLD_PERCENT,
        MAX_PANIC_THRESHOLD_PERCENT + " (0 means panic only when no endpoint is available)",
        prefix + ".panic_threshold_percent",
        sink);
    if (!cluster.hasSlowStart()) {
      return;
    }
    SlowStart slowStart = cluster.getSlowStart();
    String field = prefix + ".slow_start";
    if (!slowStart.hasWindow()) {
      sink.add(field + ".window", "is required");
    } else {
      Duration window = slowStart.getWindow();
      if (!Durations.isValid(window)
          || Durations.compare(window, MIN_WINDOW) < 0
          || Durations.compare(window, MAX_WINDOW) > 0) {
        sink.add(
            field + ".window",
            "must be "
                + Durations.toString(MIN_WINDOW)
                + " to "
                + Durations.toString(MAX_WINDOW)
                + ", not "
                + FieldChecks.format(window));
      }
    }
    FieldChecks.atMost(
        Integer.toUnsignedLong(slowStart.getMinWeightPercent()),
        100,
        "100 (0 means " + DEFAULT_MIN_WEIGHT_PERCENT + ")",
        field + ".min_weight_percent",
        sink);
    double aggression = slowStart.getAggression();
    if (aggression != 0 && !(aggression >= MIN_AGGRESSION && aggression <= MAX_AGGRESSION)) {
      sink.add(
          field + ".aggression",
          "must be "
              + MIN_AGGRESSION
              + "-"
              + MAX_AGGRESSION
              + " (0 means "
              + DEFAULT_AGGRESSION
              + "), not "
              + aggression);
    }
  }

  /** The min weight a node applies, as a fraction of 1. */
  public static double minWeight(SlowStart slowStart) {
    int percent = slowStart.getMinWeightPercent();
    return (percent == 0 ? DEFAULT_MIN_WEIGHT_PERCENT : percent) / 100.0;
  }

  /** The aggression a node applies. */
  public static double aggression(SlowStart slowStart) {
    return slowStart.getAggression() == 0 ? DEFAULT_AGGRESSION : slowStart.getAggression();
  }
}
