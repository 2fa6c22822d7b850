package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node counts every answer, routed or not, on its admin port ({@code /stats}, and {@code
 * /metrics} for Prometheus); the control plane sums them.
 */
class TrafficStatsIT {
  private static final int UNROUTED = 7;
  private static final int ROUTED = 5;

  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer node;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("app", backend);
    fleet.createRoute(
        "app",
        Fleet.routeTo("/", "app").toBuilder()
            .setMatch(RouteMatch.newBuilder().addHosts("app.test").setPathPrefix("/"))
            .build());
    fleet.awaitSynced();
    node = fleet.nodes().get(0);
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  private void sendUnrouted() {
    for (int i = 0; i < UNROUTED; i++) {
      Http.RawResponse response = Http.withHost(node.httpPort(), "GET", "other.test", "/x" + i);
      assertThat(response.status()).as(response.body()).isEqualTo(404);
    }
  }

  private void sendRouted() {
    for (int i = 0; i < ROUTED; i++) {
      Http.RawResponse response = Http.withHost(node.httpPort(), "GET", "app.test", "/y" + i);
      assertThat(response.status()).as(response.body()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("app");
    }
  }

  /** Awaits the node's report: a request is counted when it completes, just after its answer. */
  private void awaitNodeReport(Consumer<NodeReport> assertion) {
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(() -> assertion.accept(NodeStats.of(node)));
  }

  @Test
  void countsRequestsNoRouteTookAsUnrouted() {
    sendUnrouted();

    awaitNodeReport(
        report -> {
          assertThat(report.getUnrouted().getRequests()).isEqualTo(UNROUTED);
          assertThat(report.getUnrouted().getResponses4Xx()).isEqualTo(UNROUTED);
          assertThat(report.getUnrouted().getResponses2Xx()).isZero();
          assertThat(report.getRoutesList())
              .allSatisfy(route -> assertThat(route.getRequests()).isZero());
        });
  }

  @Test
  void countsRoutedRequestsWithTheirLatencyByRouteAndCluster() {
    sendRouted();

    awaitNodeReport(
        report -> {
          assertThat(report.getUnrouted().getRequests()).isZero();
          for (TrafficCounters counters :
              new TrafficCounters[] {
                NodeStats.named(report.getRoutesList(), "routes/app"),
                NodeStats.named(report.getClustersList(), "clusters/app")
              }) {
            assertThat(counters.getRequests()).as(counters.getName()).isEqualTo(ROUTED);
            assertThat(counters.getResponses2Xx()).as(counters.getName()).isEqualTo(ROUTED);
            assertThat(counters.getLatencyCount()).as(counters.getName()).isEqualTo(ROUTED);
            assertThat(counters.getLatencyP50Us()).as(counters.getName()).isPositive();
            assertThat(counters.getLatencyMaxUs())
                .as(counters.getName())
                .isGreaterThanOrEqualTo(counters.getLatencyP50Us());
          }
        });
  }

  @Test
  void theControlPlaneSumsTheNodesReports() {
    sendUnrouted();
    sendRouted();

    // Fleet's nodes report at the default interval, 5 s.
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              Stats stats = fleet.api().getStats(GetStatsRequest.getDefaultInstance());
              assertThat(stats.getNodes()).isEqualTo(1);
              assertThat(stats.getUnrouted().getRequests()).isGreaterThanOrEqualTo(UNROUTED);
              TrafficCounters route = NodeStats.named(stats.getRoutesList(), "routes/app");
              assertThat(route.getLatencyCount()).isGreaterThanOrEqualTo(ROUTED);
              assertThat(route.getResponses2Xx()).isGreaterThanOrEqualTo(ROUTED);
            });
  }

  @Test
  void exposesPrometheusMetricsThatPromtoolAccepts() throws Exception {
    sendUnrouted();
    sendRouted();

    String endpoint = "endpoint=\"127.0.0.1:" + backend.port() + "\"";
    String route = "route=\"routes/app\"";
    // A request is counted when it completes, just after the client read its answer.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                NodeMetricsText.sum(NodeMetricsText.of(node), "concierge_requests_total", route)
                    == ROUTED);
    String body = NodeMetricsText.of(node);

    assertThat(sum(body, "concierge_requests_total", route, "method=\"GET\"", "code_class=\"2xx\""))
        .isEqualTo(ROUTED);
    assertThat(sum(body, "concierge_requests_total", "route=\"\"", "code_class=\"4xx\""))
        .isEqualTo(UNROUTED);
    assertThat(sum(body, "concierge_cluster_requests_total", "cluster=\"clusters/app\""))
        .isEqualTo(ROUTED);
    assertThat(sum(body, "concierge_request_duration_seconds_count", route)).isEqualTo(ROUTED);
    assertThat(sum(body, "concierge_request_duration_seconds_bucket", route, "le=\"+Inf\""))
        .isEqualTo(ROUTED);
    assertThat(sum(body, "concierge_request_duration_seconds_sum", route)).isPositive();
    assertThat(sum(body, "concierge_upstream_request_duration_seconds_count", endpoint))
        .isEqualTo(ROUTED);
    assertThat(sum(body, "concierge_upstream_connect_failures_total", endpoint)).isZero();
    assertThat(sum(body, "concierge_endpoint_health", endpoint, "state=\"healthy\"")).isEqualTo(1);
    assertThat(sum(body, "concierge_endpoint_health", endpoint)).isEqualTo(1);
    assertThat(sum(body, "concierge_sent_bytes_total", route)).isEqualTo(ROUTED * "app".length());
    assertThat(sum(body, "concierge_downstream_connections_accepted_total", "listener=\"http\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(body).contains("\nconcierge_downstream_connections{listener=\"http\"} ");
    assertThat(sum(body, "concierge_requests_in_flight")).isZero();
    assertThat(sum(body, "concierge_config_revision")).isGreaterThanOrEqualTo(1);
    assertThat(sum(body, "concierge_config_updates_total", "result=\"applied\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(sum(body, "concierge_config_last_apply_timestamp_seconds")).isPositive();
    assertThat(body).contains("\njvm_memory_used_bytes{area=\"heap\"}", "\njvm_threads_");

    assertThat(NodeMetricsText.promtoolCheck(body)).isEmpty();
  }

  private static double sum(String body, String name, String... labels) {
    return NodeMetricsText.sum(body, name, labels);
  }

  @Test
  void speaksOpenMetricsWhenTheScraperAsks() {
    sendRouted();

    HttpResponse<String> response =
        Http.send(
            Http.request(node.adminPort(), "/metrics")
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(
            type -> assertThat(type).startsWith("application/openmetrics-text; version=1.0.0"));
    assertThat(response.body()).contains("# TYPE concierge_requests counter\n").endsWith("# EOF\n");
  }
}
