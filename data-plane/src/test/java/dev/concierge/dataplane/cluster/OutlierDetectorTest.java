package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.FailurePercentageOutliers;
import dev.concierge.api.v1.OutlierDetection;
import dev.concierge.api.v1.SuccessRateOutliers;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OutlierDetectorTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final ClusterState cluster = new ClusterState(now::get);

  private List<Endpoint> endpoints(int n) {
    List<Endpoint> list = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String host = "10.0.0." + (i + 1);
      list.add(new Endpoint(host, 80, 1, 0, cluster.endpoint(Endpoint.addressOf(host, 80))));
    }
    return list;
  }

  private OutlierDetector detector(List<Endpoint> endpoints, OutlierDetection.Builder od) {
    Cluster config = Cluster.newBuilder().setName("clusters/web").setOutlierDetection(od).build();
    return new OutlierDetector("clusters/web", OutlierPolicy.of(config), endpoints, cluster);
  }

  private OutlierDetector legacy(List<Endpoint> endpoints) {
    return new OutlierDetector(
        "clusters/web", OutlierPolicy.CONNECTION_FAILURES_ONLY, endpoints, cluster);
  }

  private void advanceSeconds(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  private static void connectFailures(OutlierDetector d, Endpoint e, int times) {
    for (int i = 0; i < times; i++) {
      d.connectFailed(e);
    }
  }

  private static void answers(OutlierDetector d, Endpoint e, int status, int times) {
    for (int i = 0; i < times; i++) {
      d.answered(e, status);
    }
  }

  @Test
  void withoutDetectionFiveConnectionFailuresInARowEjectForTenSeconds() {
    Endpoint e = endpoints(1).get(0);
    OutlierDetector d = legacy(List.of(e));
    connectFailures(d, e, 4);
    assertThat(e.state().isAvailable()).isTrue();
    d.connectFailed(e);

    assertThat(e.state().isEjected()).isTrue();
    advanceSeconds(9);
    assertThat(e.state().isAvailable()).isFalse();
    advanceSeconds(1);
    assertThat(e.state().isAvailable()).isTrue();
  }

  @Test
  void withoutDetectionStatusesNeverEjectButAnAnswerRestartsTheCount() {
    Endpoint e = endpoints(1).get(0);
    OutlierDetector d = legacy(List.of(e));
    answers(d, e, 500, 50);
    assertThat(e.state().isEjected()).isFalse();
    connectFailures(d, e, 4);
    d.answered(e, 503);
    connectFailures(d, e, 4);

    assertThat(e.state().isAvailable()).isTrue();
  }

  @Test
  void ejectionsInARowLastLongerUpToTheMost() {
    Endpoint e = endpoints(1).get(0);
    OutlierDetector d = legacy(List.of(e));
    for (int k = 1; k <= 35; k++) {
      long seconds = Math.min(300, 10L * k);
      connectFailures(d, e, 5);
      advanceSeconds(seconds - 1);
      assertThat(e.state().isAvailable())
          .as("ejection %s still on before %s s", k, seconds)
          .isFalse();
      advanceSeconds(1);
      assertThat(e.state().isAvailable()).as("ejection %s over after %s s", k, seconds).isTrue();
    }
  }

  @Test
  void theMultiplierLosesOnePerIntervalWithoutAnEjection() {
    Endpoint e = endpoints(1).get(0);
    OutlierDetector d = legacy(List.of(e));
    connectFailures(d, e, 5); // 10 s
    advanceSeconds(10);
    connectFailures(d, e, 5); // 20 s
    advanceSeconds(20);
    advanceSeconds(10); // one interval (10 s) without an ejection: multiplier 2 -> 1
    connectFailures(d, e, 5); // so 2 x 10 s, not 3 x 10 s
    advanceSeconds(19);
    assertThat(e.state().isAvailable()).isFalse();
    advanceSeconds(1);
    assertThat(e.state().isAvailable()).isTrue();
  }

  @Test
  void consecutive5xxEjectAfterTheCountForTheBaseTime() {
    List<Endpoint> all = endpoints(3);
    Endpoint e = all.get(0);
    OutlierDetector d =
        detector(
            all,
            OutlierDetection.newBuilder()
                .setConsecutive5Xx(3)
                .setBaseEjectionTime(Durations.fromSeconds(30)));
    answers(d, e, 500, 2);
    d.answered(e, 404); // not a 5xx: the streak restarts
    answers(d, e, 500, 2);
    assertThat(e.state().isEjected()).isFalse();
    d.answered(e, 500);

    assertThat(e.state().isEjected()).isTrue();
    advanceSeconds(29);
    assertThat(e.state().isAvailable()).isFalse();
    advanceSeconds(1);
    assertThat(e.state().isAvailable()).isTrue();
  }

  @Test
  void connectionFailuresAndTimeoutsCountAs5xx() {
    List<Endpoint> all = endpoints(3);
    Endpoint e = all.get(0);
    OutlierDetector d =
        detector(
            all,
            OutlierDetection.newBuilder().setConsecutive5Xx(3).setConsecutiveConnectFailure(0));
    d.answered(e, 500);
    d.connectFailed(e);
    assertThat(e.state().isEjected()).isFalse();
    d.gatewayFailed(e);

    assertThat(e.state().isEjected()).isTrue();
  }

  @Test
  void gatewayFailuresCountOnlyBadGatewayUnavailableAndTimeout() {
    List<Endpoint> all = endpoints(3);
    Endpoint e = all.get(0);
    OutlierDetector d =
        detector(
            all,
            OutlierDetection.newBuilder().setConsecutive5Xx(0).setConsecutiveGatewayFailure(3));
    answers(d, e, 502, 2);
    d.answered(e, 500); // a 5xx, not a gateway failure: the gateway streak restarts
    answers(d, e, 503, 2);
    assertThat(e.state().isEjected()).isFalse();
    d.gatewayFailed(e); // a timeout

    assertThat(e.state().isEjected()).isTrue();
  }

  @Test
  void aTimeoutLeavesTheConnectionStreakStanding() {
    List<Endpoint> all = endpoints(3);
    Endpoint e = all.get(0);
    OutlierDetector d =
        detector(
            all,
            OutlierDetection.newBuilder().setConsecutive5Xx(0).setConsecutiveConnectFailure(2));
    d.connectFailed(e);
    d.gatewayFailed(e);
    d.connectFailed(e);

    assertThat(e.state().isEjected()).isTrue();
  }

  @Test
  void oneEndpointMayAlwaysBeEjectedButNoMoreThanTheShare() {
    List<Endpoint> all = endpoints(3);
    OutlierDetector d = detector(all, OutlierDetection.newBuilder().setConsecutive5Xx(2));
    // 10 % of 3 is none; Envoy ejects one anyway, and no second one.
    answers(d, all.get(0), 500, 2);
    answers(d, all.get(1), 500, 2);

    assertThat(all.get(0).state().isEjected()).isTrue();
    assertThat(all.get(1).state().isEjected()).isFalse();
    advanceSeconds(30);
    assertThat(all.get(0).state().isEjected()).isFalse();
    answers(d, all.get(1), 500, 2); // a fresh full count once there is room
    assertThat(all.get(1).state().isEjected()).isTrue();
  }

  @Test
  void theShareAllowsMoreEjectionsInALargerCluster() {
    List<Endpoint> all = endpoints(4);
    OutlierDetector d =
        detector(all, OutlierDetection.newBuilder().setConsecutive5Xx(1).setMaxEjectionPercent(50));
    all.forEach(e -> d.answered(e, 500));

    assertThat(all.stream().filter(e -> e.state().isEjected()).count()).isEqualTo(2);
  }

  @Test
  void theSuccessRateRuleEjectsTheEndpointFarBelowTheMean() {
    List<Endpoint> all = endpoints(6);
    OutlierDetector d =
        detector(
            all,
            OutlierDetection.newBuilder()
                .setConsecutive5Xx(0)
                .setMaxEjectionPercent(50)
                .setSuccessRate(SuccessRateOutliers.getDefaultInstance()));
    for (int i = 0; i < all.size(); i++) {
      Endpoint e = all.get(i);
      int failures = i == 0 ? 40 : i; // 60 % against 95-99 %
      answers(d, e, 500, failures);
      answers(d, e, 200, 100 - failures);
    }
    answers(d, all.get(5), 200, 10); // more traffic, same rule
    d.sweep();

    assertThat(all.get(0).state().isEjected()).isTrue();
    assertThat(all.subList(1, 6)).allSatisfy(e -> assertThat(e.state().isEjected()).isFalse());
  }

  @Test
  void theSuccessRateRuleWaitsForEnoughEndpointsWithEnoughTraffic() {
    List<Endpoint> all = endpoints(6);
    OutlierDetector d =
        detector(
            all,
            OutlierDetection.newBuilder()
                .setConsecutive5Xx(0)
                .setSuccessRate(SuccessRateOutliers.getDefaultInstance()));
    for (int i = 0; i < all.size(); i++) {
      int tries = i < 2 ? 99 : 100; // only 4 of 6 reach the volume of 100; 5 needed
      answers(d, all.get(i), 500, i == 2 ? 60 : 0);
      answers(d, all.get(i), 200, tries - (i == 2 ? 60 : 0));
    }
    d.sweep();

    assertThat(all).allSatisfy(e -> assertThat(e.state().isEjected()).isFalse());
  }

  @Test
  void eachSweepJudgesOnlyItsOwnInterval() {
    List<Endpoint> all = endpoints(5);
    OutlierDetector d =
        detector(
            all,
            OutlierDetection.newBuilder()
                .setConsecutive5Xx(0)
                .setFailurePercentage(FailurePercentageOutliers.newBuilder().setThreshold(50)));
    answers(d, all.get(0), 500, 30);
    all.forEach(e -> answers(d, e, 200, 50));
    d.sweep(); // 30 of 80: below 50 %
    answers(d, all.get(0), 500, 25);
    all.forEach(e -> answers(d, e, 200, 25)); // under the volume of 50 for all but one
    d.sweep();
    assertThat(all).allSatisfy(e -> assertThat(e.state().isEjected()).isFalse());
    answers(d, all.get(0), 500, 40);
    all.forEach(e -> answers(d, e, 200, 50));
    all.subList(1, 5).forEach(e -> d.connectFailed(e));
    d.sweep(); // 40 of 90 is not 50 %, ... but:
    assertThat(all.get(0).state().isEjected()).isFalse();
    answers(d, all.get(0), 500, 60);
    all.forEach(e -> answers(d, e, 200, 50));
    d.sweep(); // 60 of 110 = 54 %

    assertThat(all.get(0).state().isEjected()).isTrue();
    assertThat(all.subList(1, 5)).allSatisfy(e -> assertThat(e.state().isEjected()).isFalse());
  }
}
