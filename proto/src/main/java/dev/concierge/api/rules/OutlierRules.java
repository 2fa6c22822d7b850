package dev.concierge.api.rules;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.FailurePercentageOutliers;
import dev.concierge.api.v1.OutlierDetection;
import dev.concierge.api.v1.SuccessRateOutliers;

/**
 * The rules and defaults of a cluster's passive outlier detection, for the management API and every
 * node alike.
 */
public final class OutlierRules {
  /** Consecutive 5xx that eject when the field is unset: 5 (Envoy's default). */
  public static final int DEFAULT_CONSECUTIVE_5XX = 5;

  /** Consecutive connection failures that eject when the field is unset, or without detection. */
  public static final int DEFAULT_CONSECUTIVE_CONNECT_FAILURE = 5;

  /** The largest consecutive count. */
  public static final int MAX_CONSECUTIVE = 1000;

  /** The sweep and decay period when unset: 10 s. */
  public static final Duration DEFAULT_INTERVAL = Durations.fromSeconds(10);

  /** The first ejection's length when unset: 30 s (Envoy's default). */
  public static final Duration DEFAULT_BASE_EJECTION_TIME = Durations.fromSeconds(30);

  /** The longest ejection when unset: 300 s. */
  public static final Duration DEFAULT_MAX_EJECTION_TIME = Durations.fromSeconds(300);

  /** The first ejection's length without outlier detection: 10 s (nginx's fail_timeout). */
  public static final Duration LEGACY_BASE_EJECTION_TIME = Durations.fromSeconds(10);

  /** The shortest time field. */
  public static final Duration MIN_TIME = Durations.fromMillis(100);

  /** The longest time field. */
  public static final Duration MAX_TIME = Durations.fromSeconds(3600);

  /** The share of a cluster that may be ejected at once when unset, in percent. */
  public static final int DEFAULT_MAX_EJECTION_PERCENT = 10;

  /** Success-rate and failure-percentage default minimum hosts. */
  public static final int DEFAULT_MINIMUM_HOSTS = 5;

  /** Success-rate default request volume. */
  public static final int DEFAULT_SUCCESS_RATE_VOLUME = 100;

  /** Success-rate default stdev factor, in thousandths. */
  public static final int DEFAULT_STDEV_FACTOR = 1900;

  /** Failure-percentage default threshold, in percent. */
  public static final int DEFAULT_FAILURE_THRESHOLD = 85;

  /** Failure-percentage default request volume. */
  public static final int DEFAULT_FAILURE_VOLUME = 50;

  private OutlierRules() {}

  /** Tells {@code sink} every broken field of {@code cluster}'s outlier detection. */
  public static void check(Cluster cluster, String prefix, ViolationSink sink) {
    if (!cluster.hasOutlierDetection()) {
      return;
    }
    OutlierDetection od = cluster.getOutlierDetection();
    String field = prefix + ".outlier_detection";
    consecutive(od.getConsecutive5Xx(), field + ".consecutive_5xx", sink);
    consecutive(od.getConsecutiveGatewayFailure(), field + ".consecutive_gateway_failure", sink);
    consecutive(od.getConsecutiveConnectFailure(), field + ".consecutive_connect_failure", sink);
    time(od.hasInterval(), od.getInterval(), field + ".interval", sink);
    time(od.hasBaseEjectionTime(), od.getBaseEjectionTime(), field + ".base_ejection_time", sink);
    time(od.hasMaxEjectionTime(), od.getMaxEjectionTime(), field + ".max_ejection_time", sink);
    FieldChecks.atMost(
        Integer.toUnsignedLong(od.getMaxEjectionPercent()),
        100,
        "100 (0 means " + DEFAULT_MAX_EJECTION_PERCENT + ")",
        field + ".max_ejection_percent",
        sink);
    if (od.hasSuccessRate()) {
      SuccessRateOutliers rate = od.getSuccessRate();
      String f = field + ".success_rate";
      bounded(rate.getMinimumHosts(), 10_000, DEFAULT_MINIMUM_HOSTS, f + ".minimum_hosts", sink);
      bounded(
          rate.getRequestVolume(),
          1_000_000,
          DEFAULT_SUCCESS_RATE_VOLUME,
          f + ".request_volume",
          sink);
      bounded(rate.getStdevFactor(), 100_000, DEFAULT_STDEV_FACTOR, f + ".stdev_factor", sink);
    }
    if (od.hasFailurePercentage()) {
      FailurePercentageOutliers failures = od.getFailurePercentage();
      String f = field + ".failure_percentage";
      bounded(failures.getThreshold(), 100, DEFAULT_FAILURE_THRESHOLD, f + ".threshold", sink);
      bounded(
          failures.getMinimumHosts(), 10_000, DEFAULT_MINIMUM_HOSTS, f + ".minimum_hosts", sink);
      bounded(
          failures.getRequestVolume(),
          1_000_000,
          DEFAULT_FAILURE_VOLUME,
          f + ".request_volume",
          sink);
    }
  }

  /** The consecutive 5xx count in force: the field, or the default when unset; 0 is no rule. */
  public static int consecutive5xx(OutlierDetection od) {
    return od.hasConsecutive5Xx() ? od.getConsecutive5Xx() : DEFAULT_CONSECUTIVE_5XX;
  }

  /** The consecutive gateway-failure count in force; 0 is no rule. */
  public static int consecutiveGatewayFailure(OutlierDetection od) {
    return od.getConsecutiveGatewayFailure();
  }

  /** The consecutive connection-failure count in force; 0 is no rule. */
  public static int consecutiveConnectFailure(OutlierDetection od) {
    return od.hasConsecutiveConnectFailure()
        ? od.getConsecutiveConnectFailure()
        : DEFAULT_CONSECUTIVE_CONNECT_FAILURE;
  }

  /** {@code value}, or {@code fallback} when it is 0. */
  public static int orDefault(int value, int fallback) {
    return value == 0 ? fallback : value;
  }

  private static void consecutive(int value, String field, ViolationSink sink) {
    FieldChecks.atMost(
        Integer.toUnsignedLong(value),
        MAX_CONSECUTIVE,
        MAX_CONSECUTIVE + " (0: no rule)",
        field,
        sink);
  }

  private static void bounded(int value, int max, int fallback, String field, ViolationSink sink) {
    FieldChecks.atMost(
        Integer.toUnsignedLong(value), max, max + " (0 means " + fallback + ")", field, sink);
  }

  private static void time(boolean set, Duration d, String field, ViolationSink sink) {
    if (!set) {
      return;
    }
    if (!Durations.isValid(d)
        || Durations.compare(d, MIN_TIME) < 0
        || Durations.compare(d, MAX_TIME) > 0) {
      sink.add(
          field,
          "must be "
              + Durations.toString(MIN_TIME)
              + "-"
              + Durations.toString(MAX_TIME)
              + ", not "
              + FieldChecks.format(d));
    }
  }
}
