package dev.concierge.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.FailurePercentageOutliers;
import dev.concierge.api.v1.OutlierDetection;
import dev.concierge.api.v1.SuccessRateOutliers;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code cluster create|update --outlier-5xx ... --ejection-time ...}: the cluster's passive
 * outlier detection. The first option given turns it on with Envoy's defaults for the rest; on
 * update, the options given change it in place; {@code --no-outlier-detection} goes back to the
 * default (connection failures only).
 */
final class OutlierOptions {
  @Option(
      names = "--outlier-5xx",
      paramLabel = "N",
      converter = CountConverter.class,
      description =
          "Eject after N 5xx answers in a row (or tries that got none); 0 turns it off"
              + " (default 5 once outlier detection is on).")
  @Nullable Integer consecutive5xx;

  @Option(
      names = "--outlier-gateway-failures",
      paramLabel = "N",
      converter = CountConverter.class,
      description =
          "Eject after N 502/503/504 answers, timeouts or connection failures in a row;"
              + " 0 turns it off (the default).")
  @Nullable Integer gatewayFailures;

  @Option(
      names = "--outlier-connect-failures",
      paramLabel = "N",
      converter = CountConverter.class,
      description = "Eject after N connection failures in a row; 0 turns it off (default 5).")
  @Nullable Integer connectFailures;

  @Option(
      names = "--outlier-interval",
      paramLabel = "DURATION",
      converter = TimeConverter.class,
      description =
          "How often the success-rate and failure-percentage rules judge the last"
              + " interval's traffic, and how fast repeated ejections are forgiven (default 10s).")
  @Nullable Duration interval;

  @Option(
      names = "--ejection-time",
      paramLabel = "DURATION",
      converter = TimeConverter.class,
      description =
          "The first ejection's length; the n-th in a row lasts n times as long"
              + " (default 30s).")
  @Nullable Duration baseEjectionTime;

  @Option(
      names = "--max-ejection-time",
      paramLabel = "DURATION",
      converter = TimeConverter.class,
      description = "The longest ejection (default 300s).")
  @Nullable Duration maxEjectionTime;

  @Option(
      names = "--max-ejection-percent",
      paramLabel = "PERCENT",
      converter = PercentConverter.class,
      description =
          "The most of the cluster ejected at once, 1-100; one endpoint may always be"
              + " (default 10).")
  @Nullable Integer maxEjectionPercent;

  @Option(
      names = "--outlier-success-rate",
      paramLabel = "on|off|min-hosts=N,volume=N,stdev=F",
      converter = SuccessRateConverter.class,
      description =
          "Eject an endpoint whose success rate is below the mean minus stdev (default"
              + " 1.9) standard deviations, among at least min-hosts (5) endpoints with volume (100)"
              + " tries in the interval.")
  @Nullable SuccessRateChoice successRate;

  @Option(
      names = "--outlier-failure-percentage",
      paramLabel = "PERCENT[,min-hosts=N,volume=N]|off",
      converter = FailurePercentageConverter.class,
      description =
          "Eject an endpoint with at least PERCENT failed tries in the interval, among"
              + " at least min-hosts (5) endpoints with volume (50) tries.")
  @Nullable FailurePercentageChoice failurePercentage;

  @Option(
      names = "--no-outlier-detection",
      description = "Back to the default: only 5 connection failures in a row eject (10s).")
  boolean none;

  boolean given() {
    return none || tuned();
  }

  private boolean tuned() {
    return consecutive5xx != null
        || gatewayFailures != null
        || connectFailures != null
        || interval != null
        || baseEjectionTime != null
        || maxEjectionTime != null
        || maxEjectionPercent != null
        || successRate != null
        || failurePercentage != null;
  }

  /**
   * Sets the options given over {@code current}'s outlier detection on {@code cluster} and names
   * the field in {@code mask}.
   *
   * @throws IllegalArgumentException when --no-outlier-detection comes with another option
   */
  void applyTo(Cluster current, Cluster.Builder cluster, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    mask.addPaths("outlier_detection");
    if (none) {
      if (tuned()) {
        throw new IllegalArgumentException("--no-outlier-detection takes no other outlier option");
      }
      return; // in the mask and unset: cleared
    }
    OutlierDetection.Builder od = current.getOutlierDetection().toBuilder();
    if (consecutive5xx != null) {
      od.setConsecutive5Xx(consecutive5xx);
    }
    if (gatewayFailures != null) {
      od.setConsecutiveGatewayFailure(gatewayFailures);
    }
    if (connectFailures != null) {
      od.setConsecutiveConnectFailure(connectFailures);
    }
    if (interval != null) {
      od.setInterval(interval);
    }
    if (baseEjectionTime != null) {
      od.setBaseEjectionTime(baseEjectionTime);
    }
    if (maxEjectionTime != null) {
      od.setMaxEjectionTime(maxEjectionTime);
    }
    if (maxEjectionPercent != null) {
      od.setMaxEjectionPercent(maxEjectionPercent);
    }
    if (successRate != null) {
      if (successRate.rule() == null) {
        od.clearSuccessRate();
      } else {
        od.setSuccessRate(successRate.rule());
      }
    }
    if (failurePercentage != null) {
      if (failurePercentage.rule() == null) {
        od.clearFailurePercentage();
      } else {
        od.setFailurePercentage(failurePercentage.rule());
      }
    }
    cluster.setOutlierDetection(od);
  }

  /** The rules in force, as {@code 5xx=5 connect=5 ejection=30s..300s max=10%}. */
  static String describe(Cluster cluster) {
    if (!cluster.hasOutlierDetection()) {
      return "connect=5 ejection=10s..300s (default)";
    }
    OutlierDetection od = cluster.getOutlierDetection();
    List<String> parts = new ArrayList<>();
    int fiveXx = od.hasConsecutive5Xx() ? od.getConsecutive5Xx() : 5;
    if (fiveXx > 0) {
      parts.add("5xx=" + fiveXx);
    }
    if (od.getConsecutiveGatewayFailure() > 0) {
      parts.add("gateway=" + od.getConsecutiveGatewayFailure());
    }
    int connect = od.hasConsecutiveConnectFailure() ? od.getConsecutiveConnectFailure() : 5;
    if (connect > 0) {
      parts.add("connect=" + connect);
    }
    if (od.hasSuccessRate()) {
      SuccessRateOutliers r = od.getSuccessRate();
      parts.add(
          String.format(
              Locale.ROOT,
              "success-rate(min-hosts=%d,volume=%d,stdev=%.3f)",
              r.getMinimumHosts() == 0 ? 5 : r.getMinimumHosts(),
              r.getRequestVolume() == 0 ? 100 : r.getRequestVolume(),
              (r.getStdevFactor() == 0 ? 1900 : r.getStdevFactor()) / 1000.0));
    }
    if (od.hasFailurePercentage()) {
      FailurePercentageOutliers f = od.getFailurePercentage();
      parts.add(
          "failure-percentage("
              + (f.getThreshold() == 0 ? 85 : f.getThreshold())
              + "%,min-hosts="
              + (f.getMinimumHosts() == 0 ? 5 : f.getMinimumHosts())
              + ",volume="
              + (f.getRequestVolume() == 0 ? 50 : f.getRequestVolume())
              + ")");
    }
    parts.add(
        "ejection="
            + (od.hasBaseEjectionTime() ? Durations.format(od.getBaseEjectionTime()) : "30s")
            + ".."
            + (od.hasMaxEjectionTime() ? Durations.format(od.getMaxEjectionTime()) : "300s"));
    parts.add("max=" + (od.getMaxEjectionPercent() == 0 ? 10 : od.getMaxEjectionPercent()) + "%");
    if (od.hasInterval()) {
      parts.add("interval=" + Durations.format(od.getInterval()));
    }
    return String.join(" ", parts);
  }

  /** A success-rate option: a rule, or null for off. */
  record SuccessRateChoice(@Nullable SuccessRateOutliers rule) {}

  /** A failure-percentage option: a rule, or null for off. */
  record FailurePercentageChoice(@Nullable FailurePercentageOutliers rule) {}

  /** A count 0-1000. */
  static final class CountConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return number(value, 0, 1000, "a count (0-1000; 0 turns the rule off)");
    }
  }

  /** A percentage 1-100. */
  static final class PercentConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      return number(value, 1, 100, "a percentage (1-100)");
    }
  }

  /** An outlier time, 100ms-1h. */
  static final class TimeConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d;
      try {
        d = Durations.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      long millis = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
      if (millis < 100 || millis > 3_600_000) {
        throw new TypeConversionException("'" + value + "' is not between 100ms and 1h");
      }
      return d;
    }
  }

  /** {@code on}, {@code off}, or {@code min-hosts=N,volume=N,stdev=F}. */
  static final class SuccessRateConverter implements ITypeConverter<SuccessRateChoice> {
    @Override
    public SuccessRateChoice convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      if (v.equals("off")) {
        return new SuccessRateChoice(null);
      }
      SuccessRateOutliers.Builder rule = SuccessRateOutliers.newBuilder();
      if (v.equals("on")) {
        return new SuccessRateChoice(rule.build());
      }
      for (String part : v.split(",", -1)) {
        String[] kv = part.split("=", 2);
        String key = kv[0].strip();
        String arg = kv.length == 2 ? kv[1].strip() : "";
        switch (key) {
          case "min-hosts" -> rule.setMinimumHosts(number(arg, 1, 10_000, "min-hosts (1-10000)"));
          case "volume" -> rule.setRequestVolume(number(arg, 1, 1_000_000, "volume (1-1000000)"));
          case "stdev" -> rule.setStdevFactor(stdev(arg));
          default ->
              throw new TypeConversionException(
                  "'"
                      + value
                      + "' is not on, off or min-hosts=N,volume=N,stdev=F (unknown '"
                      + key
                      + "')");
        }
      }
      return new SuccessRateChoice(rule.build());
    }

    private static int stdev(String arg) {
      try {
        double f = Double.parseDouble(arg);
        if (f >= 0.001 && f <= 100) {
          return (int) Math.round(f * 1000);
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new TypeConversionException("stdev '" + arg + "' is not a factor (0.001-100)");
    }
  }

  /** {@code off}, or {@code PERCENT[,min-hosts=N,volume=N]}. */
  static final class FailurePercentageConverter implements ITypeConverter<FailurePercentageChoice> {
    @Override
    public FailurePercentageChoice convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      if (v.equals("off")) {
        return new FailurePercentageChoice(null);
      }
      String[] parts = v.split(",", -1);
      FailurePercentageOutliers.Builder rule =
          FailurePercentageOutliers.newBuilder()
              .setThreshold(number(parts[0], 1, 100, "a failure percentage (1-100) or off"));
      for (int i = 1; i < parts.length; i++) {
        String[] kv = parts[i].split("=", 2);
        String key = kv[0].strip();
        String arg = kv.length == 2 ? kv[1].strip() : "";
        switch (key) {
          case "min-hosts" -> rule.setMinimumHosts(number(arg, 1, 10_000, "min-hosts (1-10000)"));
          case "volume" -> rule.setRequestVolume(number(arg, 1, 1_000_000, "volume (1-1000000)"));
          default ->
              throw new TypeConversionException(
                  "'" + value + "': unknown '" + key + "' (min-hosts=N, volume=N)");
        }
      }
      return new FailurePercentageChoice(rule.build());
    }
  }

  private static int number(String value, int min, int max, String what) {
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new TypeConversionException("'" + value + "' is not " + what);
  }
}
