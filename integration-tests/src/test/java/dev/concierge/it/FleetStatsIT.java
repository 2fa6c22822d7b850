package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.StatsRow;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes report their traffic as deltas; the control plane's GetStats adds them up fleet-wide
 * and per node, and its HTTP port's /metrics shows the fleet.
 */
class FleetStatsIT {
  private static final int N = 20;
  private static final Duration REPORT_INTERVAL = Duration.ofSeconds(2);

  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    for (String id : List.of("node-1", "node-2")) {
      fleet.startNode(id, b -> b.reportInterval(REPORT_INTERVAL));
    }
    fleet.createCluster("app", backend);
    fleet.createRoute(
        "app",
        Fleet.routeTo("/", "app").toBuilder()
            .setMatch(RouteMatch.newBuilder().addHosts("app.test").setPathPrefix("/"))
            .build());
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  private static StatsRow row(List<StatsRow> rows, String name, String node) {
    return rows.stream()
        .filter(r -> r.getName().equals(name) && r.getNode().equals(node))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + name + " " + node + " in " + rows));
  }

  @Test
  void getStatsAddsUpBothNodesWithinTwoReportIntervals() {
    for (DataPlaneServer node : fleet.nodes()) {
      for (int i = 0; i < N; i++) {
        Http.RawResponse response = Http.withHost(node.httpPort(), "GET", "app.test", "/r" + i);
        assertThat(response.status()).as(response.body()).isEqualTo(200);
      }
    }

    await()
        .atMost(REPORT_INTERVAL.multipliedBy(2).plusSeconds(1))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              Stats stats = fleet.api().getStats(GetStatsRequest.getDefaultInstance());
              StatsRow fleetWide = row(stats.getRouteRowsList(), "routes/app", "");
              assertThat(fleetWide.getRequests()).isEqualTo(2L * N);
              assertThat(fleetWide.getResponses2Xx()).isEqualTo(2L * N);
              assertThat(fleetWide.getErrorRate()).isZero();
              assertThat(fleetWide.getRequestsPerSecond()).isPositive();
              assertThat(fleetWide.getLatencyP99Us())
                  .isPositive()
                  .isLessThan(Duration.ofSeconds(5).toNanos() / 1000);
              assertThat(fleetWide.getLatencyP50Us())
                  .isLessThanOrEqualTo(fleetWide.getLatencyP99Us());
              assertThat(fleetWide.getPointsList()).hasSize(6); // 1 min of 10 s buckets
              for (String node : List.of("nodes/node-1", "nodes/node-2")) {
                assertThat(row(stats.getRouteRowsList(), "routes/app", node).getRequests())
                    .as(node)
                    .isEqualTo(N);
                assertThat(row(stats.getNodeRowsList(), node, "").getRequests())
                    .as(node)
                    .isEqualTo(N);
              }
              assertThat(row(stats.getClusterRowsList(), "clusters/app", "").getRequests())
                  .isEqualTo(2L * N);
            });
    Stats one =
        fleet
            .api()
            .getStats(
                GetStatsRequest.newBuilder()
                    .setNode("node-2")
                    .setLevel(StatsLevel.STATS_LEVEL_ROUTES)
                    .build());
    assertThat(row(one.getRouteRowsList(), "routes/app", "").getRequests()).isEqualTo(N);
    assertThat(one.getNodeRowsList()).isEmpty();
  }

  @Test
  void theControlPlaneMetricsShowTheNodesByStatusAndTheirAcks() throws Exception {
    HttpResponse<String> metrics = Http.get(fleet.controlPlane().httpPort(), "/metrics");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .containsPattern("(?m)^concierge_cp_nodes\\{status=\"synced\"} 2(\\.0)?$")
        .containsPattern("(?m)^concierge_cp_nodes\\{status=\"disconnected\"} 0(\\.0)?$")
        .containsPattern(
            "(?m)^concierge_cp_config_revision " + fleet.controlPlane().revision() + "(\\.0)?$")
        .containsPattern("(?m)^concierge_cp_config_nacks_total 0(\\.0)?$")
        .containsPattern(
            "(?m)^concierge_cp_management_calls_total\\{code=\"OK\",method=\"CreateRoute\"} 1(\\.0)?$");
    // Both nodes are synced, so each ACKed at least the revision in force (pushes of revisions
    // made before a node's stream opened coalesce into one); every push was timed.
    assertThat(value(metrics.body(), "concierge_cp_config_acks_total")).isGreaterThanOrEqualTo(2);
    assertThat(value(metrics.body(), "concierge_cp_push_ack_seconds_count")).isPositive();
    NodeMetricsText.promtoolCheck(metrics.body()); // Prometheus' own parser accepts all of it
  }

  private static double value(String exposition, String sample) {
    return exposition
        .lines()
        .filter(l -> l.startsWith(sample + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(sample.length() + 1).trim()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + sample + " in " + exposition));
  }
}
