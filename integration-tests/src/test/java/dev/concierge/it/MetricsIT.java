package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.RouteMatch;
import dev.concierge.dataplane.DataPlaneServer;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's {@code GET /metrics} on its admin port after real traffic: the route's counters and
 * histograms, the endpoint's series, and a whole exposition that Prometheus' own parser ({@code
 * promtool check metrics}, from Debian's {@code prometheus} package) accepts without lint problems.
 */
class MetricsIT {
  private static final int N = 25;
  private static final Pattern SAMPLE = Pattern.compile("(?m)^(\\S+?)(\\{[^}]*\\})? (\\S+)$");

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

  private void sendRouted() {
    for (int i = 0; i < N; i++) {
      Http.RawResponse response = Http.withHost(node.httpPort(), "GET", "app.test", "/y" + i);
      assertThat(response.status()).as(response.body()).isEqualTo(200);
    }
  }

  private String metrics() {
    HttpResponse<String> response = Http.get(node.adminPort(), "/metrics");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain; version=0.0.4"));
    return response.body();
  }

  /** The sum of the samples of {@code name} whose labels contain every one of {@code labels}. */
  private static double sum(String body, String name, String... labels) {
    double sum = 0;
    Matcher m = SAMPLE.matcher(body);
    while (m.find()) {
      String set = m.group(2) == null ? "" : m.group(2);
      boolean all = true;
      for (String label : labels) {
        all &= set.contains(label);
      }
      if (m.group(1).equals(name) && all) {
        sum += Double.parseDouble(m.group(3));
      }
    }
    return sum;
  }

  @Test
  void countsTheRouteRequestsAndPassesPromtool() throws Exception {
    sendRouted();

    String endpoint = "endpoint=\"127.0.0.1:" + backend.port() + "\"";
    // A request is counted when it completes, just after the client read its answer.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> sum(metrics(), "concierge_requests_total", "route=\"routes/app\"") == N);
    String body = metrics();

    assertThat(sum(body, "concierge_requests_total", "route=\"routes/app\"", "method=\"GET\""))
        .isEqualTo(N);
    assertThat(sum(body, "concierge_requests_total", "code_class=\"2xx\"")).isEqualTo(N);
    assertThat(sum(body, "concierge_cluster_requests_total", "cluster=\"clusters/app\""))
        .isEqualTo(N);
    assertThat(sum(body, "concierge_request_duration_seconds_count", "route=\"routes/app\""))
        .isEqualTo(N);
    assertThat(
            sum(
                body,
                "concierge_request_duration_seconds_bucket",
                "route=\"routes/app\"",
                "le=\"+Inf\""))
        .isEqualTo(N);
    assertThat(sum(body, "concierge_request_duration_seconds_sum", "route=\"routes/app\""))
        .isPositive();
    assertThat(sum(body, "concierge_upstream_request_duration_seconds_count", endpoint))
        .isEqualTo(N);
    assertThat(sum(body, "concierge_upstream_connect_failures_total", endpoint)).isZero();
    assertThat(sum(body, "concierge_endpoint_health", endpoint, "state=\"healthy\"")).isEqualTo(1);
    assertThat(sum(body, "concierge_endpoint_health", endpoint)).isEqualTo(1);
    assertThat(sum(body, "concierge_sent_bytes_total", "route=\"routes/app\""))
        .isEqualTo(N * "app".length());
    assertThat(sum(body, "concierge_downstream_connections_total", "listener=\"http\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(sum(body, "concierge_requests_in_flight")).isZero();
    assertThat(sum(body, "concierge_config_revision")).isGreaterThanOrEqualTo(1);
    assertThat(sum(body, "concierge_config_updates_total", "result=\"applied\""))
        .isGreaterThanOrEqualTo(1);
    assertThat(sum(body, "concierge_config_last_apply_timestamp_seconds")).isPositive();
    assertThat(body).contains("\njvm_memory_used_bytes{area=\"heap\"}", "\njvm_threads_");

    assertThat(promtoolCheck(body)).isEmpty();
  }

  @Test
  void speaksOpenMetricsWhenAsked() {
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

  /**
   * Runs {@code promtool check metrics} on {@code exposition}; returns what it printed, failing the
   * test when it exits non-zero.
   */
  private static String promtoolCheck(String exposition) throws Exception {
    Path bin = DebianBinaries.of("prometheus", "promtool");
    Process promtool =
        new ProcessBuilder(bin.resolve("promtool").toString(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = promtool.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(promtool.exitValue()).as("promtool check metrics: %s", output).isZero();
    return output.trim();
  }
}
