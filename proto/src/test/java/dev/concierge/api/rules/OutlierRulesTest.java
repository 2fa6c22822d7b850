package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.FailurePercentageOutliers;
import dev.concierge.api.v1.OutlierDetection;
import dev.concierge.api.v1.SuccessRateOutliers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutlierRulesTest {
  private static List<String> violations(OutlierDetection.Builder od) {
    List<String> found = new ArrayList<>();
    Cluster cluster = Cluster.newBuilder().setOutlierDetection(od).build();
    OutlierRules.check(cluster, "cluster", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void acceptsTheDefaultsAndTheLimits() {
    assertThat(violations(OutlierDetection.newBuilder())).isEmpty();
    assertThat(
            violations(
                OutlierDetection.newBuilder()
                    .setConsecutive5Xx(0)
                    .setConsecutiveGatewayFailure(1000)
                    .setConsecutiveConnectFailure(1)
                    .setInterval(Durations.fromMillis(100))
                    .setBaseEjectionTime(Durations.fromSeconds(3600))
                    .setMaxEjectionTime(Durations.fromMillis(100))
                    .setMaxEjectionPercent(100)
                    .setSuccessRate(SuccessRateOutliers.newBuilder().setStdevFactor(100_000))
                    .setFailurePercentage(
                        FailurePercentageOutliers.newBuilder()
                            .setThreshold(100)
                            .setMinimumHosts(10_000)
                            .setRequestVolume(1_000_000))))
        .isEmpty();
  }

  @Test
  void rejectsEachBrokenFieldWithItsPath() {
    assertThat(
            violations(
                OutlierDetection.newBuilder()
                    .setConsecutive5Xx(1001)
                    .setInterval(Durations.fromMillis(99))
                    .setBaseEjectionTime(Durations.fromSeconds(3601))
                    .setMaxEjectionTime(Durations.fromSeconds(-1))
                    .setMaxEjectionPercent(101)
                    .setSuccessRate(SuccessRateOutliers.newBuilder().setMinimumHosts(10_001))
                    .setFailurePercentage(
                        FailurePercentageOutliers.newBuilder().setThreshold(101))))
        .containsExactly(
            "cluster.outlier_detection.consecutive_5xx: must be at most 1000 (0: no rule), not"
                + " 1001",
            "cluster.outlier_detection.interval: must be 0.100s-3600s, not 0.099s",
            "cluster.outlier_detection.base_ejection_time: must be 0.100s-3600s, not 3601s",
            "cluster.outlier_detection.max_ejection_time: must be 0.100s-3600s, not -1s",
            "cluster.outlier_detection.max_ejection_percent: must be at most 100 (0 means 10), not"
                + " 101",
            "cluster.outlier_detection.success_rate.minimum_hosts: must be at most 10000 (0 means"
                + " 5), not 10001",
            "cluster.outlier_detection.failure_percentage.threshold: must be at most 100 (0 means"
                + " 85), not 101");
  }

  @Test
  void unsetCountsTakeTheirDefaultsAndZeroTurnsARuleOff() {
    OutlierDetection unset = OutlierDetection.getDefaultInstance();
    assertThat(OutlierRules.consecutive5xx(unset)).isEqualTo(5);
    assertThat(OutlierRules.consecutiveConnectFailure(unset)).isEqualTo(5);
    assertThat(OutlierRules.consecutiveGatewayFailure(unset)).isZero();
    OutlierDetection off =
        OutlierDetection.newBuilder().setConsecutive5Xx(0).setConsecutiveConnectFailure(0).build();
    assertThat(OutlierRules.consecutive5xx(off)).isZero();
    assertThat(OutlierRules.consecutiveConnectFailure(off)).isZero();
  }
}
