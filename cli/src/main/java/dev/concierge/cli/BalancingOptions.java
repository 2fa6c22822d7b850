package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.rules.BalancingRules;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.SlowStart;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code cluster create|update --panic-threshold --slow-start --no-slow-start}: how the cluster
 * balances around sick and returning endpoints. On update, what is not given is kept, and the parts
 * of {@code --slow-start} not given keep their current values.
 */
final class BalancingOptions {
  @Option(
      names = "--panic-threshold",
      paramLabel = "PERCENT",
      converter = PercentConverter.class,
      description =
          "Below this % of available endpoints in a priority level (when the levels cannot take"
              + " all traffic), the level uses all its endpoints, as Envoy; 0 (default): only when"
              + " none is available.")
  @Nullable Integer panicThreshold;

  @Option(
      names = "--slow-start",
      paramLabel = "WINDOW[,min-weight=PERCENT][,aggression=X]",
      converter = SlowStartConverter.class,
      description =
          "Ramp a returning or added endpoint's weight up over WINDOW (1s-1h), from min-weight %"
              + " (default 10) as (t/WINDOW)^(1/aggression) (default 1.0); round robin, least"
              + " request and random only.")
  @Nullable SlowStart slowStart;

  @Option(names = "--no-slow-start", description = "Remove the cluster's slow start.")
  boolean noSlowStart;

  boolean given() {
    return panicThreshold != null || slowStart != null || noSlowStart;
  }

  /**
   * Sets what is given over {@code current} on {@code cluster} and names the fields in {@code
   * mask}.
   *
   * @throws IllegalArgumentException when both --slow-start and --no-slow-start are given
   */
  void applyTo(Cluster current, Cluster.Builder cluster, FieldMask.Builder mask) {
    if (panicThreshold != null) {
      cluster.setPanicThresholdPercent(panicThreshold);
      mask.addPaths("panic_threshold_percent");
    }
    if (slowStart != null && noSlowStart) {
      throw new IllegalArgumentException("give --slow-start or --no-slow-start, not both");
    }
    if (noSlowStart) {
      mask.addPaths("slow_start");
    } else if (slowStart != null) {
      SlowStart.Builder merged =
          current.getSlowStart().toBuilder().setWindow(slowStart.getWindow());
      if (slowStart.getMinWeightPercent() != 0) {
        merged.setMinWeightPercent(slowStart.getMinWeightPercent());
      }
      if (slowStart.getAggression() != 0) {
        merged.setAggression(slowStart.getAggression());
      }
      cluster.setSlowStart(merged);
      mask.addPaths("slow_start");
    }
  }

  /**
   * The settings, as {@code panic threshold: 50%} and {@code slow start: 30s min-weight=10%
   * aggression=1.0} lines; empty when the cluster has neither.
   */
  static List<String> describe(Cluster cluster) {
    List<String> lines = new ArrayList<>();
    if (cluster.getPanicThresholdPercent() != 0) {
      lines.add(
          "panic threshold: " + Integer.toUnsignedString(cluster.getPanicThresholdPercent()) + "%");
    }
    if (cluster.hasSlowStart()) {
      SlowStart s = cluster.getSlowStart();
      lines.add(
          "slow start: "
              + Durations.format(s.getWindow())
              + " min-weight="
              + Math.round(BalancingRules.minWeight(s) * 100)
              + "% aggression="
              + BalancingRules.aggression(s));
    }
    return lines;
  }

  /** Parses 0-100, with or without a trailing %. */
  static final class PercentConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      String v = value.strip();
      if (v.endsWith("%")) {
        v = v.substring(0, v.length() - 1);
      }
      try {
        int n = Integer.parseInt(v);
        if (n >= 0 && n <= 100) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new TypeConversionException("'" + value + "' is not a percentage (0-100)");
    }
  }

  /** Parses {@code WINDOW[,min-weight=PERCENT][,aggression=X]}. */
  static final class SlowStartConverter implements ITypeConverter<SlowStart> {
    @Override
    public SlowStart convert(String value) {
      String[] parts = value.split(",", -1);
      SlowStart.Builder s = SlowStart.newBuilder();
      try {
        s.setWindow(Durations.parse(parts[0]));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      for (int i = 1; i < parts.length; i++) {
        String part = parts[i].strip();
        int eq = part.indexOf('=');
        String key = eq < 0 ? part : part.substring(0, eq).toLowerCase(Locale.ROOT);
        String v = eq < 0 ? "" : part.substring(eq + 1).strip();
        switch (key) {
          case "min-weight" -> s.setMinWeightPercent(minWeight(v, value));
          case "aggression" -> s.setAggression(aggression(v, value));
          default ->
              throw new TypeConversionException(
                  "'" + part + "' in '" + value + "': expected min-weight=PERCENT or aggression=X");
        }
      }
      return s.build();
    }

    private static int minWeight(String v, String value) {
      int percent = new PercentConverter().convert(v);
      if (percent == 0) {
        throw new TypeConversionException("min-weight in '" + value + "' must be 1-100");
      }
      return percent;
    }

    private static double aggression(String v, String value) {
      try {
        double a = Double.parseDouble(v);
        if (a > 0 && Double.isFinite(a)) {
          return a;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new TypeConversionException(
          "aggression in '" + value + "' must be a number above 0 (0.1-10), not '" + v + "'");
    }
  }
}
