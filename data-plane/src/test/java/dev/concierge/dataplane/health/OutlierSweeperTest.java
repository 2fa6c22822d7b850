package dev.concierge.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.FailurePercentageOutliers;
import dev.concierge.api.v1.OutlierDetection;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.stats.TrafficStats;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutlierSweeperTest {
  private final List<Runnable> due = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private final EndpointRegistry registry = new EndpointRegistry();
  private final RuntimeCompiler compiler = new RuntimeCompiler(registry, new TrafficStats());
  private final OutlierSweeper sweeper =
      new OutlierSweeper(
          (task, delayNanos) -> {
            due.add(task);
            delays.add(delayNanos);
            return () -> due.remove(task);
          },
          () -> {});

  private Runtime runtime(long revision, OutlierDetection.Builder od) throws Exception {
    Cluster.Builder cluster = Cluster.newBuilder().setName("clusters/web");
    for (int port = 1; port <= 5; port++) {
      cluster.addEndpointsBuilder().setHost("127.0.0.1").setPort(port);
    }
    if (od != null) {
      cluster.setOutlierDetection(od);
    }
    return compiler.compile(
        ConfigSnapshot.newBuilder().setRevision(revision).addClusters(cluster).build());
  }

  private static OutlierDetection.Builder failurePercentage(long intervalMillis) {
    return OutlierDetection.newBuilder()
        .setInterval(Durations.fromMillis(intervalMillis))
        .setFailurePercentage(
            FailurePercentageOutliers.newBuilder().setThreshold(50).setRequestVolume(10));
  }

  private void runDue() {
    List<Runnable> now = new ArrayList<>(due);
    due.clear();
    now.forEach(Runnable::run);
  }

  @Test
  void aClusterWithoutSweepRulesSchedulesNothing() throws Exception {
    sweeper.update(runtime(1, OutlierDetection.newBuilder()).clusters());
    sweeper.update(runtime(2, null).clusters());

    assertThat(sweeper.sweptClusters()).isZero();
    assertThat(due).isEmpty();
  }

  @Test
  void sweepsEveryIntervalWithTheDetectorInForce() throws Exception {
    Runtime first = runtime(1, failurePercentage(300));
    sweeper.update(first.clusters());
    assertThat(delays).containsExactly(300_000_000L);
    CompiledCluster web = first.clusters().get("clusters/web");
    List<Endpoint> endpoints = web.endpoints();
    for (int i = 0; i < 20; i++) {
      for (Endpoint e : endpoints) {
        web.outliers().answered(e, e.equals(endpoints.get(0)) ? 503 : 200);
      }
    }
    // A config swap with the same interval keeps the schedule; the counts live on.
    sweeper.update(runtime(2, failurePercentage(300)).clusters());
    assertThat(due).hasSize(1);
    runDue();

    assertThat(endpoints.get(0).state().isEjected()).isTrue();
    assertThat(endpoints.get(1).state().isEjected()).isFalse();
    assertThat(due).as("planned again").hasSize(1);
  }

  @Test
  void aNewIntervalReplansAndDroppedRulesStop() throws Exception {
    sweeper.update(runtime(1, failurePercentage(300)).clusters());
    sweeper.update(runtime(2, failurePercentage(500)).clusters());
    assertThat(delays).containsExactly(300_000_000L, 500_000_000L);
    assertThat(due).hasSize(1);

    sweeper.update(runtime(3, null).clusters());
    assertThat(due).isEmpty();
    sweeper.close();
    sweeper.update(runtime(4, failurePercentage(300)).clusters());
    assertThat(due).isEmpty();
  }
}
