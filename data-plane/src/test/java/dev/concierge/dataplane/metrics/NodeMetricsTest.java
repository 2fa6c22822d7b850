package dev.concierge.dataplane.metrics;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.named;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.api.v1.ServedCertificateStatus;
import dev.concierge.dataplane.chain.MethodClass;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.FixedClient;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.EndpointMeter;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.config.ConfigUpdates;
import dev.concierge.dataplane.limits.Refusal;
import dev.concierge.dataplane.ratelimit.RateLimitPolicy;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.stats.TrafficMeter;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.tls.HandshakeMeter;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's meters, fed by hand, as the Prometheus exposition shows them. */
class NodeMetricsTest {
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  private final EndpointRegistry registry = new EndpointRegistry();
  private final TrafficStats stats = new TrafficStats(registry);
  private final ConfigUpdates updates = new ConfigUpdates(InstantSource.fixed(NOW));
  private Runtime runtime;
  private NodeMetrics metrics;

  @BeforeEach
  void setUp() throws Exception {
    runtime =
        new RuntimeCompiler(registry, stats)
            .compile(
                snapshot(
                    7,
                    List.of(cluster("web", 8081, 8082)),
                    List.of(route("web", List.of(), "/", "web"))));
    List<ServedCertificateStatus> certificates =
        List.of(
            ServedCertificateStatus.newBuilder()
                .setCertificate("certificates/site")
                .setNotAfter(ProtoTime.timestamp(NOW.plusSeconds(TimeUnit.DAYS.toSeconds(30))))
                .setDaysLeft(30)
                .build());
    metrics =
        new NodeMetrics(
            new MetricSources(
                stats,
                () -> runtime.clusters(),
                () ->
                    List.of(
                        new ListenerConnections(
                            "http",
                            3,
                            10,
                            Map.of(Refusal.PER_ADDRESS, 900L, Refusal.HEADER_COUNT, 2L))),
                new HandshakeMeter(),
                () -> runtime.revision(),
                updates,
                now -> certificates,
                InstantSource.fixed(NOW),
                () -> 7,
                () -> 3,
                () -> runtime.routes(),
                () -> 4));
  }

  private static long millis(long ms) {
    return TimeUnit.MILLISECONDS.toNanos(ms);
  }

  private String text() {
    NodeMetrics.Exposition exposition = metrics.scrape(null);
    assertThat(exposition.contentType()).startsWith("text/plain; version=0.0.4");
    return exposition.body();
  }

  @Test
  void countsRequestsByRouteMethodAndStatusClassWithBytes() {
    TrafficMeter route = stats.route("routes/web");
    route.record(MethodClass.GET, 200, millis(3), 0);
    route.record(MethodClass.GET, 204, millis(20), 0);
    route.record(MethodClass.POST, 503, millis(700), 1);
    route.bytes(100, 2000);
    route.bytes(0, 50);
    stats.cluster("clusters/web").record(MethodClass.GET, 200, millis(3), 0);
    stats.unrouted().record(MethodClass.of("BREW"), 404, millis(1), 0);

    String body = text();

    assertThat(body)
        .contains(
            "concierge_requests_total{code_class=\"2xx\",method=\"GET\",route=\"routes/web\"} 2.0\n",
            "concierge_requests_total{code_class=\"5xx\",method=\"POST\",route=\"routes/web\"} 1.0\n",
            "concierge_requests_total{code_class=\"4xx\",method=\"OTHER\",route=\"\"} 1.0\n",
            "concierge_cluster_requests_total{cluster=\"clusters/web\",code_class=\"2xx\","
                + "method=\"GET\"} 1.0\n",
            "concierge_received_bytes_total{route=\"routes/web\"} 100.0\n",
            "concierge_sent_bytes_total{route=\"routes/web\"} 2050.0\n")
        .doesNotContain("code_class=\"3xx\"");
  }

  @Test
  void histogramBucketsAreCumulativeFromTheHdrHistogram() {
    TrafficMeter route = stats.route("routes/web");
    route.record(MethodClass.GET, 200, millis(3), 0);
    route.record(MethodClass.GET, 200, millis(20), 0);
    route.record(MethodClass.GET, 200, millis(700), 0);
    route.record(MethodClass.GET, 200, TimeUnit.SECONDS.toNanos(30), 0);

    String body = text();

    String series = "concierge_request_duration_seconds_bucket{route=\"routes/web\",le=";
    assertThat(body)
        .contains(
            series + "\"0.0025\"} 0\n",
            series + "\"0.005\"} 1\n",
            series + "\"0.01\"} 1\n",
            series + "\"0.025\"} 2\n",
            series + "\"0.5\"} 2\n",
            series + "\"1.0\"} 3\n",
            series + "\"10.0\"} 3\n",
            series + "\"+Inf\"} 4\n",
            "concierge_request_duration_seconds_count{route=\"routes/web\"} 4\n",
            "concierge_request_duration_seconds_sum{route=\"routes/web\"} 30.723\n");
  }

  @Test
  void showsEveryEndpointWithItsTriesFailuresAndHealth() {
    CompiledCluster web = runtime.clusters().get("clusters/web");
    EndpointMeter first = web.endpoints().get(0).state().meter();
    first.tryEnded(millis(2));
    first.tryEnded(millis(40));
    first.connectFailed();
    first.reset();
    first.timedOut();
    first.retried();
    web.endpoints().get(1).state().eject(TimeUnit.MINUTES.toNanos(1));

    String body = text();

    String one = "cluster=\"clusters/web\",endpoint=\"127.0.0.1:8081\"";
    String two = "cluster=\"clusters/web\",endpoint=\"127.0.0.1:8082\"";
    assertThat(body)
        .contains(
            "concierge_upstream_request_duration_seconds_bucket{" + one + ",le=\"0.0025\"} 1\n",
            "concierge_upstream_request_duration_seconds_bucket{" + one + ",le=\"0.05\"} 2\n",
            "concierge_upstream_request_duration_seconds_count{" + one + "} 2\n",
            "concierge_upstream_request_duration_seconds_count{" + two + "} 0\n",
            "concierge_upstream_connect_failures_total{" + one + "} 1.0\n",
            "concierge_upstream_resets_total{" + one + "} 1.0\n",
            "concierge_upstream_timeouts_total{" + one + "} 1.0\n",
            "concierge_upstream_retries_total{" + one + "} 1.0\n",
            "concierge_endpoint_ejections_total{" + one + "} 0.0\n",
            "concierge_endpoint_ejections_total{" + two + "} 1.0\n",
            "concierge_endpoint_health{" + one + ",state=\"healthy\"} 1.0\n",
            "concierge_endpoint_health{" + one + ",state=\"ejected\"} 0.0\n",
            "concierge_endpoint_health{" + two + ",state=\"healthy\"} 0.0\n",
            "concierge_endpoint_health{" + two + ",state=\"ejected\"} 1.0\n",
            "concierge_endpoint_health{" + two + ",state=\"unknown\"} 0.0\n",
            "concierge_upstream_circuit_breaker_overflows_total{cluster=\"clusters/web\"} 0.0\n",
            "concierge_upstream_retry_budget_exhausted_total{cluster=\"clusters/web\"} 0.0\n");
  }

  @Test
  void showsConnectionsConfigurationCertificatesAndTheJvm() {
    updates.applied();
    updates.rejected();
    updates.rejected();

    String body = text();

    assertThat(body)
        .contains(
            "concierge_downstream_connections{listener=\"http\"} 3.0\n",
            "concierge_downstream_connections_accepted_total{listener=\"http\"} 10.0\n",
            "concierge_downstream_connections_refused_total{listener=\"http\",reason=\"per_address\"}"
                + " 900.0\n",
            "concierge_downstream_connections_refused_total{listener=\"http\",reason=\"per_node\"}"
                + " 0.0\n",
            "concierge_requests_refused_total{listener=\"http\",reason=\"header_count\"} 2.0\n",
            "concierge_requests_refused_total{listener=\"http\",reason=\"header_bytes\"} 0.0\n",
            "concierge_requests_refused_total{listener=\"http\",reason=\"uri_length\"} 0.0\n",
            "concierge_requests_in_flight 0.0\n",
            "concierge_tls_handshakes_total 0.0\n",
            "concierge_tls_handshake_failures_total 0.0\n",
            "concierge_access_log_dropped_total 7.0\n",
            "concierge_trace_spans_dropped_total 3.0\n",
            "concierge_config_revision 7.0\n",
            "concierge_config_last_apply_timestamp_seconds 1.7960832E9\n",
            "concierge_config_updates_total{result=\"applied\"} 1.0\n",
            "concierge_config_updates_total{result=\"rejected\"} 2.0\n",
            "concierge_certificate_days_left{certificate=\"certificates/site\"} 30.0\n",
            "concierge_certificate_not_after_timestamp_seconds{certificate=\"certificates/site\"}",
            "jvm_memory_used_bytes{area=\"heap\"}",
            "jvm_threads_current");
  }

  @Test
  void leavesOutTheLastApplyBeforeAnyConfiguration() {
    assertThat(text()).doesNotContain("concierge_config_last_apply_timestamp_seconds");
  }

  @Test
  void speaksOpenMetricsWhenTheScraperAsksForIt() {
    stats.route("routes/web").record(MethodClass.GET, 200, millis(3), 0);

    NodeMetrics.Exposition open =
        metrics.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
    NodeMetrics.Exposition prometheus = metrics.scrape("text/plain;version=0.0.4;q=0.5,*/*;q=0.1");

    assertThat(open.contentType()).startsWith("application/openmetrics-text; version=1.0.0");
    assertThat(open.body())
        .endsWith("# EOF\n")
        .contains(
            "# TYPE concierge_requests counter\n",
            "# UNIT concierge_request_duration_seconds seconds\n");
    assertThat(prometheus.contentType()).startsWith("text/plain; version=0.0.4");
    assertThat(prometheus.body())
        .doesNotContain("# EOF")
        .contains("# TYPE concierge_requests_total counter\n");
  }

  @Test
  void keepsRuntimeClustersOnly() throws Exception {
    runtime =
        new RuntimeCompiler(registry, stats)
            .compile(
                snapshot(
                    8,
                    List.of(cluster("api", 9090)),
                    List.of(route("api", List.of(), "/", "api"))));

    assertThat(text())
        .contains("endpoint=\"127.0.0.1:9090\"")
        .doesNotContain("endpoint=\"127.0.0.1:8081\"");
    assertThat(Map.copyOf(runtime.clusters())).containsOnlyKeys("clusters/api");
  }

  @Test
  void countsRateLimitRefusalsByRoutePolicyAndDryRunAndTheStoreErrors() throws Exception {
    RateLimit.Builder oneAnHour =
        RateLimit.newBuilder()
            .setRequests(1)
            .setUnit(RateLimit.Unit.HOUR)
            .setKey(RateLimit.Key.ROUTE);
    runtime =
        new RuntimeCompiler(registry, stats)
            .compile(
                snapshot(8, List.of(cluster("web", 8081)), List.of()).toBuilder()
                    .addRoutes(named(route("web", List.of(), "/", "web"), "burst"))
                    .addRoutes(route("free", List.of(), "/free", "web"))
                    .addPolicies(
                        Policy.newBuilder().setName("policies/burst").setRateLimit(oneAnHour))
                    .addPolicies(
                        Policy.newBuilder()
                            .setName("policies/trial")
                            .setFleetDefault(true)
                            .setRateLimit(oneAnHour.clone().setBurst(2).setDryRun(true)))
                    .build());
    RateLimitPolicy limited =
        runtime.routes().routes().stream()
            .filter(r -> r.name().equals("routes/web"))
            .findFirst()
            .orElseThrow()
            .policies()
            .get(RateLimitPolicy.KEY);
    FixedClient client =
        new FixedClient(Objects.requireNonNull(ClientAddress.parseHop("192.0.2.1")), false);
    RateLimitPolicy.Verdict ignored = RateLimitPolicy.Verdict.ignored();
    for (int i = 0; i < 4; i++) {
      limited.admit(HttpFields.EMPTY, client, ignored);
    }

    assertThat(text())
        .contains(
            "concierge_rate_limited_total{dry_run=\"false\",policy=\"policies/burst\","
                + "route=\"routes/web\"} 3.0\n",
            "concierge_rate_limited_total{dry_run=\"true\",policy=\"policies/trial\","
                + "route=\"routes/web\"} 2.0\n",
            // The fleet default applies to the other route too: a series, at 0, from the start.
            "concierge_rate_limited_total{dry_run=\"true\",policy=\"policies/trial\","
                + "route=\"routes/free\"} 0.0\n",
            "concierge_rate_limit_store_errors_total 4.0\n");
  }
}
