package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.SlowStart;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BalancingRulesTest {
  private static List<String> violations(Cluster.Builder cluster) {
    List<String> found = new ArrayList<>();
    BalancingRules.check(cluster.build(), "clusters[0]", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void acceptsThresholdsUpToAHundredAndWindowsFromASecondToAnHour() {
    assertThat(violations(Cluster.newBuilder())).isEmpty();
    assertThat(violations(Cluster.newBuilder().setPanicThresholdPercent(100))).isEmpty();
    assertThat(
            violations(
                Cluster.newBuilder()
                    .setSlowStart(SlowStart.newBuilder().setWindow(Durations.fromSeconds(1)))))
        .isEmpty();
    assertThat(
            violations(
                Cluster.newBuilder()
                    .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                    .setSlowStart(
                        SlowStart.newBuilder()
                            .setWindow(Durations.fromHours(1))
                            .setMinWeightPercent(100)
                            .setAggression(10))))
        .isEmpty();
  }

  @Test
  void rejectsEachBrokenFieldWithItsPath() {
    assertThat(
            violations(
                Cluster.newBuilder()
                    .setPanicThresholdPercent(101)
                    .setSlowStart(
                        SlowStart.newBuilder()
                            .setWindow(Durations.fromMillis(500))
                            .setMinWeightPercent(101)
                            .setAggression(0.05))))
        .containsExactly(
            "clusters[0].panic_threshold_percent: must be at most 100 (0 means panic only when no"
                + " endpoint is available), not 101",
            "clusters[0].slow_start.window: must be 1s to 3600s, not 0.500s",
            "clusters[0].slow_start.min_weight_percent: must be at most 100 (0 means 10), not 101",
            "clusters[0].slow_start.aggression: must be 0.1-10.0 (0 means 1.0), not 0.05");
  }

  @Test
  void rejectsSlowStartWithoutWindowOnAnyPolicy() {
    assertThat(
            violations(
                Cluster.newBuilder()
                    .setLbPolicy(Cluster.LbPolicy.MAGLEV)
                    .setSlowStart(SlowStart.newBuilder().setAggression(Double.NaN))))
        .containsExactly(
            "clusters[0].slow_start.window: is required",
            "clusters[0].slow_start.aggression: must be 0.1-10.0 (0 means 1.0), not NaN");
  }
}
