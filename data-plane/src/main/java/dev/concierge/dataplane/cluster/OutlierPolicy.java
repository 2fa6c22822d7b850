package dev.concierge.dataplane.cluster;

import com.google.protobuf.util.Durations;
import dev.concierge.api.rules.OutlierRules;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.FailurePercentageOutliers;
import dev.concierge.api.v1.OutlierDetection;
import dev.concierge.api.v1.SuccessRateOutliers;
import java.util.concurrent.TimeUnit;

/**
 * A cluster's passive outlier detection rules, compiled: the consecutive counts that eject (0 for
 * no such rule), ejection times, the cap on the share ejected, and the sweep's rules. Immutable.
 *
 * @param consecutive5xx 5xx answers (and tries that got none) in a row that eject; 0: no rule
 * @param consecutiveGatewayFailure 502/503/504 (and tries that got none) in a row; 0: no rule
 * @param consecutiveConnectFailure connection failures in a row; 0: no rule
 * @param intervalNanos the sweep's period and the multiplier's decay
 * @param maxEjectionPercent the most of the cluster ejected at once (one always may be)
 * @param successRateMinimumHosts 0 when there is no success-rate rule
 * @param stdevFactorThousandths the success-rate rule's factor
 * @param failureThresholdPercent 0 when there is no failure-percentage rule
 */
public record OutlierPolicy(
    int consecutive5xx,
    int consecutiveGatewayFailure,
    int consecutiveConnectFailure,
    long intervalNanos,
    long baseEjectionNanos,
    long maxEjectionNanos,
    int maxEjectionPercent,
    int successRateMinimumHosts,
    int successRateRequestVolume,
    int stdevFactorThousandths,
    int failureThresholdPercent,
    int failureMinimumHosts,
    int failureRequestVolume) {

  /**
   * Without outlier detection configured: 5 connection failures in a row eject for 10 s x the
   * multiplier (at most 300 s), with no cap on the share ejected (balancers fall back to ejected
   * endpoints when a cluster has no other), as nginx's max_fails / fail_timeout does.
   */
  public static final OutlierPolicy CONNECTION_FAILURES_ONLY =
      new OutlierPolicy(
          0,
          0,
          OutlierRules.DEFAULT_CONSECUTIVE_CONNECT_FAILURE,
          nanos(OutlierRules.DEFAULT_INTERVAL),
          nanos(OutlierRules.LEGACY_BASE_EJECTION_TIME),
          nanos(OutlierRules.DEFAULT_MAX_EJECTION_TIME),
          100,
          0,
          0,
          0,
          0,
          0,
          0);

  /** The policy of {@code cluster}: its outlier detection, or {@link #CONNECTION_FAILURES_ONLY}. */
  public static OutlierPolicy of(Cluster cluster) {
    if (!cluster.hasOutlierDetection()) {
      return CONNECTION_FAILURES_ONLY;
    }
    OutlierDetection od = cluster.getOutlierDetection();
    SuccessRateOutliers rate = od.getSuccessRate();
    FailurePercentageOutliers failures = od.getFailurePercentage();
    return new OutlierPolicy(
        OutlierRules.consecutive5xx(od),
        OutlierRules.consecutiveGatewayFailure(od),
        OutlierRules.consecutiveConnectFailure(od),
        nanos(od.hasInterval() ? od.getInterval() : OutlierRules.DEFAULT_INTERVAL),
        nanos(
            od.hasBaseEjectionTime()
                ? od.getBaseEjectionTime()
                : OutlierRules.DEFAULT_BASE_EJECTION_TIME),
        nanos(
            od.hasMaxEjectionTime()
                ? od.getMaxEjectionTime()
                : OutlierRules.DEFAULT_MAX_EJECTION_TIME),
        OutlierRules.orDefault(
            od.getMaxEjectionPercent(), OutlierRules.DEFAULT_MAX_EJECTION_PERCENT),
        od.hasSuccessRate()
            ? OutlierRules.orDefault(rate.getMinimumHosts(), OutlierRules.DEFAULT_MINIMUM_HOSTS)
            : 0,
        OutlierRules.orDefault(rate.getRequestVolume(), OutlierRules.DEFAULT_SUCCESS_RATE_VOLUME),
        OutlierRules.orDefault(rate.getStdevFactor(), OutlierRules.DEFAULT_STDEV_FACTOR),
        od.hasFailurePercentage()
            ? OutlierRules.orDefault(
                failures.getThreshold(), OutlierRules.DEFAULT_FAILURE_THRESHOLD)
            : 0,
        OutlierRules.orDefault(failures.getMinimumHosts(), OutlierRules.DEFAULT_MINIMUM_HOSTS),
        OutlierRules.orDefault(failures.getRequestVolume(), OutlierRules.DEFAULT_FAILURE_VOLUME));
  }

  /** Whether a status answer can count toward an ejection (a 5xx or gateway rule). */
  public boolean watchesStatuses() {
    return consecutive5xx > 0 || consecutiveGatewayFailure > 0;
  }

  /** Whether the sweep runs: a success-rate or failure-percentage rule. */
  public boolean sweeps() {
    return successRateMinimumHosts > 0 || failureThresholdPercent > 0;
  }

  /** The longest ejection: never below the base. */
  long longestEjectionNanos() {
    return Math.max(baseEjectionNanos, maxEjectionNanos);
  }

  private static long nanos(com.google.protobuf.Duration d) {
    return TimeUnit.MILLISECONDS.toNanos(Durations.toMillis(d));
  }
}
