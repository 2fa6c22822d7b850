package dev.concierge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.Duration;
import dev.concierge.api.v1.AccessLogPolicy;
import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.ClientAuthentication;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.DeleteRouteRequest;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.FailurePercentageOutliers;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.GetClusterHealthRequest;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.api.v1.Hsts;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.OutlierDetection;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.RetryBudget;
import dev.concierge.api.v1.RetryPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.RouteTls;
import dev.concierge.api.v1.SlowStart;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.TimeWindow;
import dev.concierge.api.v1.UpdateCertificateRequest;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.api.v1.UpdatePolicyRequest;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.UpstreamTls;
import dev.concierge.api.v1.WeightedCluster;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Runs the real command line against {@link FakeControlPlane}. */
class ManagementCommandsTest {

  private static FakeControlPlane fake;

  @TempDir Path home;

  private Map<String, String> env;

  @BeforeAll
  static void startFake() throws IOException {
    fake = new FakeControlPlane();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  @BeforeEach
  void setUp() {
    fake.reset();
    env = new HashMap<>();
    // Never the real ~/.concierge: HOME and the config path point into the test's temp dir.
    env.put("HOME", home.toString());
    env.put("CONCIERGE_CONFIG", home.resolve("config").toString());
    env.put("CONCIERGE_SERVER", fake.address());
    env.put("CONCIERGE_TOKEN", FakeControlPlane.TOKEN);
    env.put("CONCIERGE_CA_FILE", fake.caFile().toString());
  }

  record Result(int code, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, CLOCK, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  // Ten days before the fake's certificates expire (FakeControlPlane.UPDATED).
  private static final java.time.Clock CLOCK =
      java.time.Clock.fixed(
          java.time.Instant.parse("2027-01-05T08:00:00Z"), java.time.ZoneOffset.UTC);

  private static void assertOneLineError(Result r, int code, String line) {
    assertThat(r.code()).isEqualTo(code);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).isEqualTo(line + System.lineSeparator());
  }

  private void seedWeb() {
    fake.putCluster(
        Cluster.newBuilder()
            .setName("clusters/web")
            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9001))
            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9002).setWeight(3))
            .build());
  }

  /** routes/web, forwarding to clusters/web, with the given match. */
  private static Route.Builder webRoute(RouteMatch.Builder match) {
    return Route.newBuilder()
        .setName("routes/web")
        .setMatch(match)
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster("clusters/web")));
  }

  @Test
  void clusterCreateSendsEndpointsAndPrintsConfirmation() {
    Result r =
        run(
            "cluster",
            "create",
            "web",
            "--endpoint",
            "127.0.0.1:9001",
            "--endpoint",
            "backend.internal:9002=3",
            "--lb",
            "round-robin",
            "--connect-timeout",
            "500ms",
            "--protocol",
            "http2",
            "--description",
            "the web tier");

    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("cluster \"web\" created (etag 1)" + System.lineSeparator());
    CreateClusterRequest req = fake.last("CreateCluster", CreateClusterRequest.class);
    assertThat(req.getClusterId()).isEqualTo("web");
    assertThat(req.getCluster().getName()).isEqualTo("clusters/web");
    assertThat(req.getCluster().getEndpointsList())
        .containsExactly(
            Endpoint.newBuilder().setHost("127.0.0.1").setPort(9001).build(),
            Endpoint.newBuilder().setHost("backend.internal").setPort(9002).setWeight(3).build());
    assertThat(req.getCluster().getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(req.getCluster().getProtocol()).isEqualTo(Cluster.Protocol.HTTP2);
    assertThat(req.getCluster().getConnectTimeout())
        .isEqualTo(Duration.newBuilder().setNanos(500_000_000).build());
    assertThat(req.getCluster().getDescription()).isEqualTo("the web tier");
    assertThat(fake.lastAuthorization.get()).isEqualTo("Bearer " + FakeControlPlane.TOKEN);
  }

  @Test
  void clusterCreateTakesBalancingPriorityAndHashKey() {
    Result r =
        run(
            "cluster",
            "create",
            "web",
            "--endpoint",
            "10.0.0.1:80",
            "--endpoint",
            "10.0.0.9:80=2,priority=1",
            "--lb",
            "ring-hash",
            "--hash-on",
            "header:X-User",
            "--overprovisioning",
            "200");

    assertThat(r.code()).as(r.err()).isZero();
    Cluster cluster = fake.last("CreateCluster", CreateClusterRequest.class).getCluster();
    assertThat(cluster.getEndpoints(1))
        .isEqualTo(
            Endpoint.newBuilder()
                .setHost("10.0.0.9")
                .setPort(80)
                .setWeight(2)
                .setPriority(1)
                .build());
    assertThat(cluster.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(cluster.getHashPolicy().getHeader()).isEqualTo("X-User");
    assertThat(cluster.getOverprovisioningPercent()).isEqualTo(200);

    Result list = run("cluster", "list");
    assertThat(list.out())
        .contains("10.0.0.1:80,10.0.0.9:80=2,priority=1")
        .contains("ring-hash(header:X-User) overprovisioning=200%");
  }

  @ParameterizedTest
  @CsvSource({
    "least-request,,LEAST_REQUEST,KEY_NOT_SET",
    "random,,RANDOM,KEY_NOT_SET",
    "maglev,source-ip,MAGLEV,SOURCE_IP",
    "maglev,cookie:sid,MAGLEV,COOKIE",
    "ring-hash,path,RING_HASH,PATH",
  })
  void clusterUpdateSetsEveryPolicyAndKey(
      String lb, String hashOn, Cluster.LbPolicy policy, Cluster.HashPolicy.KeyCase key) {
    seedWeb();
    List<String> args = new java.util.ArrayList<>(List.of("cluster", "update", "web", "--lb", lb));
    if (hashOn != null) {
      args.addAll(List.of("--hash-on", hashOn));
    }

    Result r = run(args.toArray(String[]::new));

    assertThat(r.code()).as(r.err()).isZero();
    Cluster cluster = fake.last("UpdateCluster", UpdateClusterRequest.class).getCluster();
    assertThat(cluster.getLbPolicy()).isEqualTo(policy);
    assertThat(cluster.getHashPolicy().getKeyCase()).isEqualTo(key);
  }

  @Test
  void badBalancingFlagsAreRefused() {
    assertThat(
            run("cluster", "create", "web", "--endpoint", "10.0.0.1:80", "--lb", "fastest").err())
        .contains("'fastest' is not a load-balancing policy");
    assertThat(
            run("cluster", "create", "web", "--endpoint", "10.0.0.1:80", "--hash-on", "ip").err())
        .contains("'ip' is not a hash key");
    assertThat(run("cluster", "create", "web", "--endpoint", "10.0.0.1:80,priority=128").err())
        .contains("priority must be a number from 0 to 127");
    assertThat(run("cluster", "create", "web", "--endpoint", "10.0.0.1:80,weight=2").err())
        .contains("after the comma only priority=N");
  }

  @Test
  void clusterListPrintsAlignedTableAcrossPages() {
    seedWeb();
    fake.putCluster(
        Cluster.newBuilder()
            .setName("clusters/api-backend")
            .addEndpoints(Endpoint.newBuilder().setHost("::1").setPort(80))
            .build());

    Result r = run("cluster", "list");

    assertThat(r.code()).isZero();
    assertThat(r.out().lines().toList())
        .containsExactly(
            "NAME         ENDPOINTS                        LB           PROTOCOL  HEALTH CHECK"
                + "  ETAG  UPDATED",
            "api-backend  [::1]:80                         round-robin  http1     -           "
                + "  2     2027-01-15T08:00:00Z",
            "web          127.0.0.1:9001,127.0.0.1:9002=3  round-robin  http1     -           "
                + "  1     2027-01-15T08:00:00Z");
  }

  @Test
  void clusterListAsJsonIsAnArrayOfResources() throws IOException {
    seedWeb();
    fake.putCluster(Cluster.newBuilder().setName("clusters/api").build());

    Result r = run("-o", "json", "cluster", "list");

    assertThat(r.code()).isZero();
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.isArray()).isTrue();
    assertThat(json).hasSize(2);
    assertThat(json.get(0).get("name").asText()).isEqualTo("clusters/api");
    assertThat(json.get(1).get("endpoints").get(1).get("weight").asInt()).isEqualTo(3);
  }

  @Test
  void emptyListAsJsonIsAnEmptyArray() {
    Result r = run("cluster", "list", "-o", "json");
    assertThat(r.out().strip()).isEqualTo("[]");
  }

  @Test
  void clusterGetAsYamlAcceptsTheFullName() throws IOException {
    seedWeb();

    Result r = run("cluster", "get", "clusters/web", "--output", "yaml");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("name: clusters/web");
    JsonNode yaml = new YAMLMapper().readTree(r.out());
    assertThat(yaml.get("endpoints").get(0).get("port").asInt()).isEqualTo(9001);
    assertThat(yaml.get("etag").isTextual()).isTrue();
    assertThat(r.out()).contains("etag: \"1\"");
  }

  @Test
  void globalOptionsWorkAfterTheSubcommand() {
    seedWeb();
    env.remove("CONCIERGE_SERVER");
    env.remove("CONCIERGE_TOKEN");

    Result r =
        run(
            "cluster",
            "get",
            "web",
            "--server",
            fake.address(),
            "--token",
            FakeControlPlane.TOKEN,
            "-o",
            "json");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("\"name\": \"clusters/web\"");
  }

  @Test
  void nameOfAnotherCollectionIsAUsageError() {
    Result r = run("cluster", "get", "routes/web");
    assertOneLineError(
        r,
        2,
        "error: 'routes/web' is not a cluster name (expected ID or"
            + " clusters/ID) (try 'concierge cluster get --help')");
  }

  @Test
  void clusterUpdateBuildsMaskFromGivenFlagsAndPassesEtag() {
    seedWeb();

    Result r = run("cluster", "update", "web", "--lb", "round-robin");

    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("cluster \"web\" updated (etag 2)" + System.lineSeparator());
    UpdateClusterRequest req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    // A policy that hashes nothing clears any hash key left from a hashing one.
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("lb_policy", "hash_policy");
    assertThat(req.getCluster().getEtag()).isEqualTo("1");
    assertThat(req.getCluster().getName()).isEqualTo("clusters/web");

    r =
        run(
            "cluster",
            "update",
            "clusters/web",
            "--endpoint",
            "10.0.0.1:80",
            "--connect-timeout",
            "20s",
            "--description",
            "moved");

    assertThat(r.code()).isZero();
    req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(req.getUpdateMask().getPathsList())
        .containsExactly("endpoints", "connect_timeout", "description");
    assertThat(req.getCluster().getEtag()).isEqualTo("2");
    assertThat(req.getCluster().getConnectTimeout().getSeconds()).isEqualTo(20);
    assertThat(fake.clusters.get("clusters/web").getEndpointsList())
        .containsExactly(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80).build());
  }

  @Test
  void clusterOutlierDetectionIsSetKeptShownAndCleared() {
    Result r =
        run(
            "cluster",
            "create",
            "web",
            "--endpoint",
            "10.0.0.1:80",
            "--outlier-5xx",
            "3",
            "--outlier-failure-percentage",
            "70,min-hosts=3",
            "--ejection-time",
            "45s");
    assertThat(r.err()).isEmpty();
    Cluster created = fake.last("CreateCluster", CreateClusterRequest.class).getCluster();
    assertThat(created.getOutlierDetection())
        .isEqualTo(
            OutlierDetection.newBuilder()
                .setConsecutive5Xx(3)
                .setBaseEjectionTime(Duration.newBuilder().setSeconds(45))
                .setFailurePercentage(
                    FailurePercentageOutliers.newBuilder().setThreshold(70).setMinimumHosts(3))
                .build());

    assertThat(
            run("cluster", "update", "web", "--outlier-5xx", "0", "--max-ejection-percent", "50")
                .code())
        .isZero();
    UpdateClusterRequest req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("outlier_detection");
    OutlierDetection updated = fake.clusters.get("clusters/web").getOutlierDetection();
    assertThat(updated.hasConsecutive5Xx()).isTrue();
    assertThat(updated.getConsecutive5Xx()).isZero();
    assertThat(updated.getMaxEjectionPercent()).isEqualTo(50);
    assertThat(updated.getBaseEjectionTime().getSeconds()).as("kept").isEqualTo(45);
    assertThat(run("cluster", "get", "web").out())
        .contains(
            "outlier detection: connect=5 failure-percentage(70%,min-hosts=3,volume=50)"
                + " ejection=45s..300s max=50%");

    assertThat(run("cluster", "update", "web", "--no-outlier-detection").code()).isZero();
    assertThat(fake.clusters.get("clusters/web").hasOutlierDetection()).isFalse();
    assertThat(run("cluster", "get", "web").out())
        .contains("outlier detection: connect=5 ejection=10s..300s (default)");
    Result both = run("cluster", "update", "web", "--no-outlier-detection", "--outlier-5xx", "2");
    assertThat(both.code()).isNotZero();
    assertThat(both.err()).contains("--no-outlier-detection takes no other outlier option");
  }

  @Test
  void clusterPanicThresholdAndSlowStartAreSetKeptShownAndCleared() {
    Result r =
        run(
            "cluster",
            "create",
            "web",
            "--endpoint",
            "10.0.0.1:80",
            "--panic-threshold",
            "50%",
            "--slow-start",
            "30s,min-weight=20");
    assertThat(r.err()).isEmpty();
    Cluster created = fake.last("CreateCluster", CreateClusterRequest.class).getCluster();
    assertThat(created.getPanicThresholdPercent()).isEqualTo(50);
    assertThat(created.getSlowStart())
        .isEqualTo(
            SlowStart.newBuilder()
                .setWindow(Duration.newBuilder().setSeconds(30))
                .setMinWeightPercent(20)
                .build());

    assertThat(run("cluster", "update", "web", "--slow-start", "1m,aggression=2").code()).isZero();
    UpdateClusterRequest req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("slow_start");
    Cluster updated = fake.clusters.get("clusters/web");
    assertThat(updated.getPanicThresholdPercent()).isEqualTo(50);
    assertThat(updated.getSlowStart())
        .isEqualTo(
            SlowStart.newBuilder()
                .setWindow(Duration.newBuilder().setSeconds(60))
                .setMinWeightPercent(20)
                .setAggression(2)
                .build());
    assertThat(run("cluster", "get", "web").out())
        .contains("panic threshold: 50%")
        .contains("slow start: 1m min-weight=20% aggression=2.0");

    assertThat(run("cluster", "update", "web", "--no-slow-start", "--panic-threshold", "0").code())
        .isZero();
    assertThat(fake.clusters.get("clusters/web").hasSlowStart()).isFalse();
    assertThat(fake.clusters.get("clusters/web").getPanicThresholdPercent()).isZero();
    assertThat(run("cluster", "get", "web").out())
        .doesNotContain("slow start")
        .doesNotContain("panic");

    Result bad = run("cluster", "update", "web", "--slow-start", "30s,weight=5");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("expected min-weight=PERCENT or aggression=X");
    assertThat(run("cluster", "update", "web", "--panic-threshold", "101").err())
        .contains("'101' is not a percentage (0-100)");
  }

  @Test
  void clusterCircuitBreakersAreSetKeptShownAndCleared() {
    Result r =
        run(
            "cluster",
            "create",
            "web",
            "--endpoint",
            "10.0.0.1:80",
            "--max-requests",
            "100",
            "--max-retries",
            "3");
    assertThat(r.err()).isEmpty();
    assertThat(
            fake.last("CreateCluster", CreateClusterRequest.class)
                .getCluster()
                .getCircuitBreakers())
        .isEqualTo(CircuitBreakers.newBuilder().setMaxRequests(100).setMaxRetries(3).build());

    assertThat(
            run("cluster", "update", "web", "--max-connections", "10", "--max-retries", "none")
                .code())
        .isZero();
    UpdateClusterRequest req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("circuit_breakers");
    assertThat(fake.clusters.get("clusters/web").getCircuitBreakers())
        .isEqualTo(CircuitBreakers.newBuilder().setMaxRequests(100).setMaxConnections(10).build());
    assertThat(run("cluster", "get", "web").out())
        .contains("circuit breakers: max_connections=10 max_requests=100");

    assertThat(
            run("cluster", "update", "web", "--max-connections", "0", "--max-requests", "none")
                .code())
        .isZero();
    assertThat(fake.clusters.get("clusters/web").hasCircuitBreakers()).isFalse();

    Result bad = run("cluster", "update", "web", "--max-requests", "-1");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("'-1' is not a limit");
  }

  @Test
  void clusterUpstreamTlsIsSetChangedAndRemoved() throws Exception {
    Path ca = home.resolve("ca.pem");
    Files.writeString(ca, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Result r =
        run(
            "cluster",
            "create",
            "web",
            "--endpoint",
            "10.0.0.1:443",
            "--tls-ca",
            ca.toString(),
            "--tls-server-name",
            "api.internal",
            "--tls-client-cert",
            "node-client");
    assertThat(r.err()).isEmpty();
    assertThat(fake.last("CreateCluster", CreateClusterRequest.class).getCluster().getTls())
        .isEqualTo(
            UpstreamTls.newBuilder()
                .setCaBundle(Files.readString(ca))
                .setServerName("api.internal")
                .setClientCertificate("certificates/node-client")
                .build());
    assertThat(run("cluster", "get", "web").out())
        .contains(
            "upstream: TLS, CA bundle (1 certificate), name api.internal, client"
                + " certificates/node-client");

    // Another trust option replaces the bundle; the name and certificate are kept.
    assertThat(run("cluster", "update", "web", "--tls-insecure-skip-verify").code()).isZero();
    UpdateClusterRequest req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("tls");
    assertThat(fake.clusters.get("clusters/web").getTls())
        .isEqualTo(
            UpstreamTls.newBuilder()
                .setInsecureSkipVerify(true)
                .setServerName("api.internal")
                .setClientCertificate("certificates/node-client")
                .build());

    assertThat(run("cluster", "update", "web", "--tls", "--tls-client-cert", "none").code())
        .isZero();
    assertThat(fake.clusters.get("clusters/web").getTls())
        .isEqualTo(UpstreamTls.newBuilder().setServerName("api.internal").build());

    assertThat(run("cluster", "update", "web", "--no-tls").code()).isZero();
    assertThat(fake.clusters.get("clusters/web").hasTls()).isFalse();

    Result both = run("cluster", "update", "web", "--tls", "--tls-insecure-skip-verify");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("give one of --tls, --tls-ca and --tls-insecure-skip-verify");
    Result noFile = run("cluster", "update", "web", "--tls-ca", home.resolve("nope").toString());
    assertThat(noFile.code()).isEqualTo(2);
    assertThat(noFile.err()).contains("no such file");
  }

  @Test
  void clusterRetryBudgetIsSetAndRemoved() {
    Result r =
        run("cluster", "create", "web", "--endpoint", "10.0.0.1:80", "--retry-budget", "25%");
    assertThat(r.err()).isEmpty();
    assertThat(fake.last("CreateCluster", CreateClusterRequest.class).getCluster().getRetryBudget())
        .isEqualTo(RetryBudget.newBuilder().setPercent(25).build());

    assertThat(run("cluster", "update", "web", "--retry-budget", "10%,min=5").code()).isZero();
    UpdateClusterRequest req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("retry_budget");
    assertThat(req.getCluster().getRetryBudget())
        .isEqualTo(RetryBudget.newBuilder().setPercent(10).setMinRetryConcurrency(5).build());

    assertThat(run("cluster", "update", "web", "--retry-budget", "off").code()).isZero();
    assertThat(fake.clusters.get("clusters/web").getRetryBudget())
        .isEqualTo(RetryBudget.newBuilder().setPercent(100).build());

    assertThat(run("cluster", "update", "web", "--retry-budget", "default").code()).isZero();
    assertThat(fake.clusters.get("clusters/web").hasRetryBudget()).isFalse();

    Result bad = run("cluster", "update", "web", "--retry-budget", "120%");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("'120%' is not a retry budget");
  }

  @Test
  void clusterHealthCheckIsSetTunedShownAndRemoved() {
    Result r =
        run(
            "cluster",
            "create",
            "web",
            "--endpoint",
            "10.0.0.1:80",
            "--health-check",
            "http:/healthz",
            "--health-interval",
            "2s",
            "--health-timeout",
            "500ms",
            "--healthy-threshold",
            "1",
            "--unhealthy-threshold",
            "4",
            "--health-jitter",
            "10",
            "--health-status",
            "200-299,404",
            "--health-host",
            "web.internal",
            "--health-body",
            "ok");
    assertThat(r.err()).isEmpty();
    assertThat(fake.last("CreateCluster", CreateClusterRequest.class).getCluster().getHealthCheck())
        .isEqualTo(
            HealthCheck.newBuilder()
                .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(2))
                .setTimeout(com.google.protobuf.Duration.newBuilder().setNanos(500_000_000))
                .setHealthyThreshold(1)
                .setUnhealthyThreshold(4)
                .setJitterPercent(10)
                .setHttp(
                    HealthCheck.Http.newBuilder()
                        .setPath("/healthz")
                        .setHost("web.internal")
                        .addExpectedStatuses("200-299")
                        .addExpectedStatuses("404")
                        .setBodyContains("ok"))
                .build());
    assertThat(run("cluster", "get", "web").out())
        .contains(
            "http GET /healthz host=web.internal status=200-299,404 body~\"ok\" 2s/500ms 1/4"
                + " jitter=10%");

    // Tuning one option keeps the rest of the check.
    assertThat(run("cluster", "update", "web", "--unhealthy-threshold", "2").err()).isEmpty();
    UpdateClusterRequest req = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("health_check");
    assertThat(fake.clusters.get("clusters/web").getHealthCheck().getUnhealthyThreshold())
        .isEqualTo(2);
    assertThat(fake.clusters.get("clusters/web").getHealthCheck().getHttp().getPath())
        .isEqualTo("/healthz");

    // Another kind keeps the timing.
    assertThat(run("cluster", "update", "web", "--health-check", "tcp").err()).isEmpty();
    HealthCheck tcp = fake.clusters.get("clusters/web").getHealthCheck();
    assertThat(tcp.hasTcp()).isTrue();
    assertThat(tcp.getUnhealthyThreshold()).isEqualTo(2);
    assertThat(run("cluster", "get", "web").out()).contains("tcp 2s/500ms 1/2");

    Result httpOnTcp = run("cluster", "update", "web", "--health-status", "200");
    assertThat(httpOnTcp.code()).isEqualTo(2);
    assertThat(httpOnTcp.err()).contains("need an HTTP check");

    assertThat(run("cluster", "update", "web", "--health-check", "none").code()).isZero();
    assertThat(fake.clusters.get("clusters/web").hasHealthCheck()).isFalse();

    Result tuneNothing = run("cluster", "update", "web", "--health-interval", "1s");
    assertThat(tuneNothing.code()).isEqualTo(2);
    assertThat(tuneNothing.err()).contains("the cluster has no health check");

    Result bad = run("cluster", "update", "web", "--health-check", "udp");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("'udp' is not a health check");

    // gRPC: a service, and --health-host as its :authority.
    assertThat(
            run(
                    "cluster",
                    "update",
                    "web",
                    "--health-check",
                    "grpc:web.Api",
                    "--health-host",
                    "api.internal")
                .err())
        .isEmpty();
    assertThat(fake.clusters.get("clusters/web").getHealthCheck().getGrpc())
        .isEqualTo(
            HealthCheck.Grpc.newBuilder()
                .setService("web.Api")
                .setAuthority("api.internal")
                .build());
    assertThat(run("cluster", "get", "web").out()).contains("grpc web.Api authority=api.internal");
    assertThat(run("cluster", "update", "web", "--health-check", "grpc").err()).isEmpty();
    assertThat(fake.clusters.get("clusters/web").getHealthCheck().getGrpc())
        .isEqualTo(HealthCheck.Grpc.getDefaultInstance());
  }

  @Test
  void clusterUpdateWithoutFlagsIsAUsageError() {
    seedWeb();
    Result r = run("cluster", "update", "web");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("error: nothing to update")
        .contains("cluster update --help")
        .hasLineCount(1);
    assertThat(fake.last("UpdateCluster", Object.class)).isNull();
  }

  @Test
  void clusterDeletePrintsConfirmationOrTheDeletedName() throws IOException {
    seedWeb();
    Result r = run("cluster", "delete", "web");
    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("cluster \"web\" deleted" + System.lineSeparator());
    assertThat(fake.last("DeleteCluster", DeleteClusterRequest.class).getName())
        .isEqualTo("clusters/web");

    seedWeb();
    r = run("-o", "json", "cluster", "delete", "web");
    JsonNode json = new ObjectMapper().readTree(r.out());
    assertThat(json.get("name").asText()).isEqualTo("clusters/web");
    assertThat(json.get("deleted").asBoolean()).isTrue();
  }

  @Test
  void badEndpointIsAUsageErrorWithHint() {
    Result r = run("cluster", "create", "web", "--endpoint", "nohost");
    assertOneLineError(
        r,
        2,
        "error: Invalid value for option '--endpoint' (HOST:PORT[=WEIGHT]):"
            + " 'nohost' is not HOST:PORT[=WEIGHT] (try 'concierge cluster create --help')");
  }

  @Test
  void missingRequiredOptionIsAUsageError() {
    Result r = run("route", "create", "web");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("--cluster")
        .contains("try 'concierge route create --help'")
        .hasLineCount(1);
  }

  @Test
  void badDurationIsAUsageError() {
    Result r = run("route", "create", "web", "--cluster", "web", "--timeout", "5x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'5x' is not a duration").hasLineCount(1);
  }

  @Test
  void routeCreateNormalisesClusterNamesAndWeights() {
    seedWeb();
    fake.putCluster(Cluster.newBuilder().setName("clusters/canary").build());

    Result r =
        run(
            "route",
            "create",
            "routes/web",
            "--host",
            "example.com",
            "--host",
            "*.example.com",
            "--path-prefix",
            "/api",
            "--cluster",
            "web=9",
            "--cluster",
            "clusters/canary",
            "--timeout",
            "2m",
            "--description",
            "api");

    assertThat(r.code()).isZero();
    assertThat(r.out()).isEqualTo("route \"web\" created (etag 3)" + System.lineSeparator());
    CreateRouteRequest req = fake.last("CreateRoute", CreateRouteRequest.class);
    assertThat(req.getRouteId()).isEqualTo("web");
    Route route = req.getRoute();
    assertThat(route.getMatch().getHostsList()).containsExactly("example.com", "*.example.com");
    assertThat(route.getMatch().getPathPrefix()).isEqualTo("/api");
    assertThat(route.getForward().getClustersList())
        .containsExactly(
            WeightedCluster.newBuilder().setCluster("clusters/web").setWeight(9).build(),
            WeightedCluster.newBuilder().setCluster("clusters/canary").build());
    assertThat(route.getForward().getTimeout().getSeconds()).isEqualTo(120);

    Result list = run("route", "list");
    assertThat(list.out().lines().toList())
        .containsExactly(
            "NAME  HOSTS                      METHODS  PATH   CLUSTERS      TIMEOUT  BODY",
            "web   example.com,*.example.com  *        /api*  web=9,canary  2m       buffer");
  }

  @Test
  void routeRewritesAreSentShownAndUpdatedInPlace() {
    seedWeb();
    Result r =
        run(
            "route",
            "create",
            "api",
            "--cluster",
            "web",
            "--path-prefix",
            "/v1",
            "--prefix-rewrite",
            "/v2",
            "--host-rewrite",
            "api.internal",
            "--request-header-set",
            "X-Client=${client_ip}",
            "--request-header-remove",
            "Cookie",
            "--response-header-add",
            "X-Route=${route}",
            "--response-header-remove",
            "Server");
    assertThat(r.err()).isEmpty();
    ForwardAction forward =
        fake.last("CreateRoute", CreateRouteRequest.class).getRoute().getForward();
    assertThat(forward.getPrefixRewrite()).isEqualTo("/v2");
    assertThat(forward.getHost()).isEqualTo("api.internal");
    assertThat(forward.getRequestHeaders())
        .isEqualTo(
            HeaderMutations.newBuilder()
                .addSet(HeaderValue.newBuilder().setName("X-Client").setValue("${client_ip}"))
                .addRemove("Cookie")
                .build());
    assertThat(forward.getResponseHeaders().getAddList())
        .containsExactly(HeaderValue.newBuilder().setName("X-Route").setValue("${route}").build());
    assertThat(run("route", "get", "api").out())
        .contains(
            "web [prefix-rewrite=/v2 host=api.internal request-Cookie:- "
                + "request-X-Client:=${client_ip} response-Server:- response-X-Route:+${route}]");

    assertThat(
            run(
                    "route",
                    "update",
                    "api",
                    "--regex-rewrite",
                    "^/v1/(.*)",
                    "--rewrite-to",
                    "/$1",
                    "--endpoint-host",
                    "--response-header-remove=")
                .code())
        .isZero();
    UpdateRouteRequest req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("forward");
    ForwardAction updated = req.getRoute().getForward();
    assertThat(updated.getRegexRewrite())
        .isEqualTo(
            RegexRewrite.newBuilder().setPattern("^/v1/(.*)").setSubstitution("/$1").build());
    assertThat(updated.getEndpointHost()).isTrue();
    assertThat(updated.getRequestHeaders()).as("kept").isEqualTo(forward.getRequestHeaders());
    assertThat(updated.getResponseHeaders().getRemoveList()).isEmpty();
    assertThat(updated.getResponseHeaders().getAddCount()).as("kept").isEqualTo(1);

    Result bad = run("route", "update", "api", "--regex-rewrite", "x");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("--regex-rewrite and --rewrite-to go together");
  }

  @Test
  void routeRetryPolicyAndIdleTimeoutAreSentAndUpdatedInPlace() {
    seedWeb();
    Result r =
        run(
            "route",
            "create",
            "api",
            "--cluster",
            "web",
            "--retry-on",
            "connect-failure,503,per-try-timeout",
            "--per-try-timeout",
            "2s",
            "--retry-backoff",
            "25ms:250ms",
            "--retry-non-idempotent",
            "--idle-timeout",
            "30s");
    assertThat(r.err()).isEmpty();
    ForwardAction forward =
        fake.last("CreateRoute", CreateRouteRequest.class).getRoute().getForward();
    assertThat(forward.getIdleTimeout().getSeconds()).isEqualTo(30);
    assertThat(forward.getRetryPolicy())
        .isEqualTo(
            RetryPolicy.newBuilder()
                .addRetryOn(RetryPolicy.RetryOn.CONNECT_FAILURE)
                .addRetryOn(RetryPolicy.RetryOn.STATUS_503)
                .addRetryOn(RetryPolicy.RetryOn.PER_TRY_TIMEOUT)
                .setPerTryTimeout(Duration.newBuilder().setSeconds(2))
                .setBackoffBase(Duration.newBuilder().setNanos(25_000_000))
                .setBackoffMax(Duration.newBuilder().setNanos(250_000_000))
                .setRetryNonIdempotent(true)
                .build());

    assertThat(run("route", "update", "api", "--retry-on", "reset").code()).isZero();
    UpdateRouteRequest req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("forward");
    RetryPolicy updated = req.getRoute().getForward().getRetryPolicy();
    assertThat(updated.getRetryOnList()).containsExactly(RetryPolicy.RetryOn.RESET);
    assertThat(updated.getPerTryTimeout().getSeconds()).as("kept").isEqualTo(2);
    assertThat(req.getRoute().getForward().getIdleTimeout().getSeconds()).isEqualTo(30);

    Result bad = run("route", "update", "api", "--retry-on", "500");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("'500' is not a retry condition");
  }

  @Test
  void routeCreateSendsMethodsPrefixModeForwardingAndBodyPolicy() {
    seedWeb();

    Result r =
        run(
            "route",
            "create",
            "static",
            "--method",
            "GET",
            "--method",
            "PURGE",
            "--path-prefix",
            "/static",
            "--prefix-mode",
            "STRING",
            "--cluster",
            "web",
            "--path-forwarding",
            "raw",
            "--max-attempts",
            "3",
            "--request-body",
            "Stream",
            "--max-body",
            "50m");

    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    Route route = fake.last("CreateRoute", CreateRouteRequest.class).getRoute();
    assertThat(route.getMatch())
        .isEqualTo(
            RouteMatch.newBuilder()
                .addMethods("GET")
                .addMethods("PURGE")
                .setPathPrefix("/static")
                .setPrefixMode(RouteMatch.PrefixMode.STRING)
                .build());
    assertThat(route.getForward().getPathForwarding()).isEqualTo(ForwardAction.PathForwarding.RAW);
    assertThat(route.getForward().getMaxAttempts()).isEqualTo(3);
    assertThat(route.getRequestBody())
        .isEqualTo(
            RequestBodyPolicy.newBuilder()
                .setMode(RequestBodyPolicy.Mode.STREAM)
                .setMaxBytes(50L << 20)
                .build());

    Result list = run("route", "list");
    assertThat(list.out().lines().toList())
        .containsExactly(
            "NAME    HOSTS  METHODS    PATH      CLUSTERS  TIMEOUT  BODY",
            "static  *      GET,PURGE  /static*  web       15s      "
                + ResourceCommand.unicodeOr("stream ≤50m", "stream <=50m"));
  }

  @Test
  void routeCreateSendsClientMatchesAndPriorityAndListShowsThem() {
    seedWeb();

    Result r =
        run(
            "route",
            "create",
            "eu",
            "--path-regex",
            "/users/[0-9]+",
            "--source",
            "10.0.0.0/8",
            "--source",
            "2001:db8::/32",
            "--device",
            "mobile",
            "--device",
            "TABLET",
            "--country",
            "FR",
            "--time",
            "mon-fri 09:00-17:00 Europe/Paris",
            "--time",
            "sat,sun",
            "--priority",
            "7",
            "--cluster",
            "web");

    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    Route route = fake.last("CreateRoute", CreateRouteRequest.class).getRoute();
    assertThat(route.getPriority()).isEqualTo(7);
    assertThat(route.getMatch())
        .isEqualTo(
            RouteMatch.newBuilder()
                .setPathRegex("/users/[0-9]+")
                .addSourceCidrs("10.0.0.0/8")
                .addSourceCidrs("2001:db8::/32")
                .addDevices(DeviceClass.MOBILE)
                .addDevices(DeviceClass.TABLET)
                .addCountries("FR")
                .addTimeWindows(
                    TimeWindow.newBuilder()
                        .addAllDays(
                            List.of(
                                DayOfWeek.MONDAY,
                                DayOfWeek.TUESDAY,
                                DayOfWeek.WEDNESDAY,
                                DayOfWeek.THURSDAY,
                                DayOfWeek.FRIDAY))
                        .setStart("09:00")
                        .setEnd("17:00")
                        .setTimeZone("Europe/Paris"))
                .addTimeWindows(
                    TimeWindow.newBuilder().addDays(DayOfWeek.SATURDAY).addDays(DayOfWeek.SUNDAY))
                .build());

    Result list = run("route", "list");
    assertThat(list.out())
        .contains(
            "~/users/[0-9]+ [src=10.0.0.0/8,2001:db8::/32 device=mobile,tablet country=FR"
                + " time=mon-fri 09:00-17:00 Europe/Paris time=sat,sun priority=7]");
  }

  @Test
  void routeUpdateClearsClientMatchesWithTheirAnyFlags() {
    seedWeb();
    fake.putRoute(
        webRoute(
                RouteMatch.newBuilder()
                    .setPathPrefix("/")
                    .addSourceCidrs("10.0.0.0/8")
                    .addDevices(DeviceClass.BOT)
                    .addCountries("DE")
                    .addTimeWindows(TimeWindow.newBuilder().addDays(DayOfWeek.MONDAY)))
            .build());

    Result r =
        run(
            "route",
            "update",
            "web",
            "--any-source",
            "--any-device",
            "--country",
            "FR",
            "--any-time",
            "--priority",
            "-2");

    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    UpdateRouteRequest req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("match", "priority");
    assertThat(req.getRoute().getMatch())
        .isEqualTo(RouteMatch.newBuilder().setPathPrefix("/").addCountries("FR").build());
    assertThat(req.getRoute().getPriority()).isEqualTo(-2);

    r = run("route", "update", "web", "--any-device", "--device", "bot");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("exclusive with their --any-* flag");
  }

  @Test
  void routeTlsPolicyOptionsSetRedirectAndHstsAndUpdateOnlyWhatIsGiven() {
    seedWeb();
    Result r =
        run(
            "route",
            "create",
            "web",
            "--cluster",
            "web",
            "--redirect-to-https",
            "--hsts-max-age",
            "365d",
            "--hsts-include-subdomains");

    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(fake.last("CreateRoute", CreateRouteRequest.class).getRoute().getTls())
        .isEqualTo(
            RouteTls.newBuilder()
                .setRedirectToHttps(true)
                .setHsts(
                    Hsts.newBuilder()
                        .setMaxAge(com.google.protobuf.Duration.newBuilder().setSeconds(31_536_000))
                        .setIncludeSubdomains(true))
                .build());

    r = run("route", "update", "web", "--no-hsts");
    assertThat(r.err()).isEmpty();
    UpdateRouteRequest req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("tls");
    assertThat(req.getRoute().getTls())
        .isEqualTo(RouteTls.newBuilder().setRedirectToHttps(true).build());

    r = run("route", "update", "web", "--no-tls-policy", "--no-hsts");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--no-tls-policy cannot be combined");
    r = run("route", "update", "web", "--hsts-max-age", "800d");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("at most 730d");
  }

  @Test
  void accessLogOptionsSetThePolicyAndUpdateOnlyWhatIsGiven() {
    seedWeb();
    Result r =
        run(
            "route",
            "create",
            "web",
            "--cluster",
            "web",
            "--access-log-sample",
            "0.25",
            "--secret-query-param",
            "token",
            "--secret-query-param",
            "api_key");

    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(fake.last("CreateRoute", CreateRouteRequest.class).getRoute().getAccessLog())
        .isEqualTo(
            AccessLogPolicy.newBuilder()
                .setSampleRatio(0.25)
                .addSecretQueryParams("token")
                .addSecretQueryParams("api_key")
                .build());

    r = run("route", "update", "web", "--no-access-log");
    assertThat(r.err()).isEmpty();
    UpdateRouteRequest req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("access_log");
    assertThat(req.getRoute().getAccessLog())
        .isEqualTo(
            AccessLogPolicy.newBuilder()
                .setDisabled(true)
                .addSecretQueryParams("token")
                .addSecretQueryParams("api_key")
                .build());

    r = run("route", "update", "web", "--no-access-log=false", "--secret-query-param", "");
    assertThat(r.err()).isEmpty();
    assertThat(fake.last("UpdateRoute", UpdateRouteRequest.class).getRoute().getAccessLog())
        .isEqualTo(AccessLogPolicy.getDefaultInstance());

    r = run("route", "update", "web", "--access-log-sample", "2");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("access_log.sample_ratio");
  }

  @Test
  void aBadTimeWindowIsAUsageErrorNamingTheForm() {
    Result r = run("route", "create", "web", "--cluster", "web", "--time", "mon-fry 09:00");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("mon-fri 09:00-17:00 Europe/Paris");
    r = run("route", "create", "web", "--cluster", "web", "--device", "phone");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("mobile");
  }

  @Test
  void routeCreateLeavesUnsetPartsUnset() {
    seedWeb();

    assertThat(run("route", "create", "web", "--cluster", "web").code()).isZero();

    Route route = fake.last("CreateRoute", CreateRouteRequest.class).getRoute();
    assertThat(route.getMatch()).isEqualTo(RouteMatch.getDefaultInstance());
    assertThat(route.getForward().getPathForwarding())
        .isEqualTo(ForwardAction.PathForwarding.PATH_FORWARDING_UNSPECIFIED);
    assertThat(route.getForward().getMaxAttempts()).isZero();
    assertThat(route.hasRequestBody()).isFalse();
  }

  @Test
  void routeUpdateAppliesTheNewFlagsToTheStoredRoute() {
    seedWeb();
    Route.Builder seeded =
        webRoute(
                RouteMatch.newBuilder()
                    .addHosts("example.com")
                    .addMethods("GET")
                    .setPathPrefix("/api"))
            .setRequestBody(
                RequestBodyPolicy.newBuilder()
                    .setMode(RequestBodyPolicy.Mode.STREAM)
                    .setMaxBytes(1 << 20));
    seeded.getForwardBuilder().setTimeout(Duration.newBuilder().setSeconds(30));
    fake.putRoute(seeded.build());

    assertThat(run("route", "update", "web", "--method", "POST", "--method", "PUT").code())
        .isZero();
    UpdateRouteRequest req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("match");
    assertThat(req.getRoute().getMatch())
        .isEqualTo(
            RouteMatch.newBuilder()
                .addHosts("example.com")
                .addMethods("POST")
                .addMethods("PUT")
                .setPathPrefix("/api")
                .build());

    assertThat(run("route", "update", "web", "--any-method", "--prefix-mode", "string").code())
        .isZero();
    req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("match");
    assertThat(req.getRoute().getMatch().getMethodsList()).isEmpty();
    assertThat(req.getRoute().getMatch().getPrefixMode()).isEqualTo(RouteMatch.PrefixMode.STRING);
    assertThat(req.getRoute().getMatch().getPathPrefix()).isEqualTo("/api");

    assertThat(
            run("route", "update", "web", "--path-forwarding", "RAW", "--max-attempts", "4").code())
        .isZero();
    req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("forward");
    assertThat(req.getRoute().getForward())
        .isEqualTo(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster("clusters/web"))
                .setTimeout(Duration.newBuilder().setSeconds(30))
                .setPathForwarding(ForwardAction.PathForwarding.RAW)
                .setMaxAttempts(4)
                .build());

    assertThat(run("route", "update", "web", "--max-body", "16k").code()).isZero();
    req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("request_body");
    assertThat(req.getRoute().getRequestBody())
        .isEqualTo(
            RequestBodyPolicy.newBuilder()
                .setMode(RequestBodyPolicy.Mode.STREAM)
                .setMaxBytes(16 << 10)
                .build());

    assertThat(run("route", "update", "web", "--request-body", "buffer").code()).isZero();
    req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("request_body");
    Route stored = fake.routes.get("routes/web");
    assertThat(stored.getRequestBody())
        .isEqualTo(
            RequestBodyPolicy.newBuilder()
                .setMode(RequestBodyPolicy.Mode.BUFFER)
                .setMaxBytes(16 << 10)
                .build());
    assertThat(stored.getMatch().getPrefixMode()).isEqualTo(RouteMatch.PrefixMode.STRING);
    assertThat(stored.getForward().getMaxAttempts()).isEqualTo(4);
  }

  @Test
  void routeUpdateToAnExactPathDropsThePrefixMode() {
    seedWeb();
    fake.putRoute(
        webRoute(
                RouteMatch.newBuilder()
                    .setPathPrefix("/api")
                    .setPrefixMode(RouteMatch.PrefixMode.STRING))
            .build());

    Result r = run("route", "update", "web", "--path", "/health");

    assertThat(r.err()).isEmpty();
    assertThat(r.code()).isZero();
    assertThat(fake.last("UpdateRoute", UpdateRouteRequest.class).getRoute().getMatch())
        .isEqualTo(RouteMatch.newBuilder().setPathExact("/health").build());
  }

  @Test
  void exclusiveOrIncompleteRouteFlagsAreOneLineUsageErrors() {
    seedWeb();
    assertOneLineError(
        run("route", "update", "web", "--method", "GET", "--any-method"),
        2,
        "error: --method and --any-method are mutually exclusive"
            + " (try 'concierge route update --help')");
    assertOneLineError(
        run("route", "create", "web", "--cluster", "web", "--prefix-mode", "string"),
        2,
        "error: --prefix-mode requires --path-prefix (try 'concierge route create --help')");
    assertOneLineError(
        run("route", "update", "web", "--prefix-mode", "segments", "--path", "/a"),
        2,
        "error: --prefix-mode only applies to a path prefix, not to --path or --any-path"
            + " (try 'concierge route update --help')");
    assertOneLineError(
        run("route", "create", "web", "--cluster", "web", "--path-forwarding", "decoded"),
        2,
        "error: Invalid value for option '--path-forwarding': 'decoded' is not a path"
            + " forwarding (expected normalized or raw) (try 'concierge route create --help')");
    Result badSize = run("route", "update", "web", "--max-body", "5x");
    assertThat(badSize.code()).isEqualTo(2);
    assertThat(badSize.err()).contains("'5x' is not a size").hasLineCount(1);
    Result badMode = run("route", "update", "web", "--request-body", "chunked");
    assertThat(badMode.code()).isEqualTo(2);
    assertThat(badMode.err())
        .contains("'chunked' is not a request body mode (expected buffer or stream)")
        .hasLineCount(1);
    assertThat(fake.last("UpdateRoute", Object.class)).isNull();
    assertThat(fake.last("CreateRoute", Object.class)).isNull();
  }

  @Test
  void badMethodComesBackAsTheServersFieldError() {
    seedWeb();
    assertOneLineError(
        run("route", "create", "web", "--cluster", "web", "--method", "G T"),
        1,
        "error: invalid route \"routes/web\": route.match.methods[0]: \"G T\" is not an HTTP"
            + " method name (letters, digits and !#$%&'*+-.^_`|~ only)");

    assertThat(run("route", "create", "web", "--cluster", "web").code()).isZero();
    assertOneLineError(
        run("route", "update", "web", "--method", "GET", "--method", "get"),
        1,
        "error: invalid route \"routes/web\": route.match.methods[1]: methods are case-sensitive"
            + " and written in upper case: \"get\" would never match; did you mean \"GET\"?");
  }

  /** The same kind of mistake gets the same exit code: 2 for what the CLI sees in the flags. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "route update web --max-attempts 9|'9' must be a number from 1 to 5",
        "route update web --timeout abc|'abc' is not a duration",
        "route update web --timeout 2h|'2h' is out of range: must be above 0 and at most 1h",
        "route create web --cluster web --timeout 0s|'0s' is out of range",
        "cluster update web --connect-timeout 2m|'2m' is out of range: must be above 0 and at most"
            + " 60s",
        "cluster create web --endpoint 10.0.0.1:80=1001|weight must be a number from 1 to 1000",
        "cluster create web|Missing required option: '--endpoint=HOST:PORT[=WEIGHT]'",
        "cert add c --cert x.pem|Missing required options: '--cert=FILE', '--key=FILE'"
      })
  void badFlagValuesAreUsageErrors(String args, String message) {
    seedWeb();
    Result r = run(args.split(" "));
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("error: ").contains(message).contains("--help").hasLineCount(1);
    assertThat(fake.last("CreateRoute", Object.class)).isNull();
  }

  /** ... and 1 for what the control plane refuses or when it cannot be reached. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "route create web --cluster nope|error: invalid route \"routes/web\"",
        "route get missing|error: route \"routes/missing\" not found",
        "--server nohost:7070 cluster list|error: cannot reach the control plane at nohost:7070",
        "--server nocolon cluster list|error: invalid control plane address"
      })
  void serverVerdictsExitWithOne(String args, String start) {
    Result r = run(args.split(" "));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith(start).hasLineCount(1);
  }

  @Test
  void anHttpPortIsNotAControlPlane() throws Exception {
    // What a node's HTTP port does with a TLS hello: Jetty answers 400 and closes.
    org.eclipse.jetty.server.Server http =
        new org.eclipse.jetty.server.Server(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    http.start();
    try {
      int port =
          ((org.eclipse.jetty.server.ServerConnector) http.getConnectors()[0]).getLocalPort();
      String address = "127.0.0.1:" + port;
      assertOneLineError(
          run("--server", address, "cluster", "list"),
          1,
          "error: "
              + address
              + " is not a Concierge control plane (it does not answer gRPC over TLS; check"
              + " --server)");
    } finally {
      http.stop();
    }
  }

  @Test
  void etagAndValidateOnlyAreSentAsGiven() {
    seedWeb();
    Result checked =
        run("cluster", "update", "web", "--lb", "round-robin", "--etag", "1", "--validate-only");
    assertThat(checked.code()).isZero();
    UpdateClusterRequest update = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(update.getCluster().getEtag()).isEqualTo("1");
    assertThat(update.getValidateOnly()).isTrue();
    assertThat(checked.out())
        .isEqualTo("cluster \"web\" is valid (nothing stored)" + System.lineSeparator());

    Result created = run("route", "create", "api", "--cluster", "web", "--validate-only");
    assertThat(created.code()).isZero();
    assertThat(fake.last("CreateRoute", CreateRouteRequest.class).getValidateOnly()).isTrue();

    assertThat(run("route", "create", "kept", "--cluster", "web").code()).isZero();
    assertThat(run("route", "delete", "kept", "--etag", "3").code()).isZero();
    assertThat(fake.last("DeleteRoute", DeleteRouteRequest.class).getEtag()).isEqualTo("3");
  }

  @Test
  void routeUpdateWithoutFlagsNamesEveryFlag() {
    Result r = run("route", "update", "web");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("error: nothing to update")
        .contains("--method, --any-method, --header, --any-header, --query, --any-query")
        .contains("--prefix-mode")
        .contains("--path-forwarding, --max-attempts, --redirect-*, --respond, --request-body,")
        .hasLineCount(1);
  }

  @Test
  void invalidArgumentPrintsTheServersDescriptionOnOneLine() {
    Result r = run("route", "create", "bad", "--cluster", "nope");
    assertOneLineError(
        r,
        1,
        "error: invalid route \"routes/bad\":"
            + " route.forward.clusters[0].cluster: cluster \"clusters/nope\" does not exist");
  }

  @Test
  void routeUpdateReplacesMatchFromStoredValueWithFlagsApplied() {
    seedWeb();
    fake.putRoute(
        webRoute(RouteMatch.newBuilder().addHosts("example.com").setPathPrefix("/")).build());

    Result r = run("route", "update", "web", "--path", "/health");

    assertThat(r.code()).isZero();
    UpdateRouteRequest req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("match");
    assertThat(req.getRoute().getEtag()).isEqualTo("2");
    assertThat(req.getRoute().getMatch())
        .isEqualTo(RouteMatch.newBuilder().addHosts("example.com").setPathExact("/health").build());

    r = run("route", "update", "web", "--timeout", "30s", "--any-host");
    assertThat(r.code()).isZero();
    req = fake.last("UpdateRoute", UpdateRouteRequest.class);
    assertThat(req.getUpdateMask().getPathsList()).containsExactly("match", "forward");
    assertThat(req.getRoute().getMatch().getHostsList()).isEmpty();
    assertThat(req.getRoute().getMatch().getPathExact()).isEqualTo("/health");
    assertThat(req.getRoute().getForward().getClustersList()).hasSize(1);
    assertThat(req.getRoute().getForward().getTimeout().getSeconds()).isEqualTo(30);
  }

  @Test
  void conflictingPathFlagsAreAUsageError() {
    Result r =
        run("route", "create", "web", "--cluster", "web", "--path", "/a", "--path-prefix", "/b");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("mutually exclusive").hasLineCount(1);
  }

  @Test
  void notFoundPrintsTheDescription() {
    Result r = run("route", "get", "missing");
    assertOneLineError(r, 1, "error: route \"routes/missing\" not found");
  }

  @Test
  void alreadyExistsPrintsTheDescription() {
    seedWeb();
    Result r = run("cluster", "create", "web", "--endpoint", "127.0.0.1:1");
    assertOneLineError(r, 1, "error: cluster \"clusters/web\" already exists");
  }

  @Test
  void failedPreconditionPrintsTheDescription() {
    seedWeb();
    fake.putRoute(webRoute(RouteMatch.newBuilder()).build());
    Result r = run("cluster", "delete", "web");
    assertOneLineError(r, 1, "error: cluster \"clusters/web\" is used by a route");
  }

  @Test
  void wrongTokenIsRejectedWithAHint() {
    Result r = run("--token", "wrong", "cluster", "list");
    assertOneLineError(
        r,
        1,
        "error: the control plane rejected the token"
            + " (set --token, CONCIERGE_TOKEN or ~/.concierge/config)");
  }

  @Test
  void missingTokenIsRejected() {
    env.remove("CONCIERGE_TOKEN");
    Result r = run("cluster", "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(fake.lastAuthorization.get()).isNull();
  }

  @Test
  void tokenFlagBeatsEnvironment() {
    // env has the right token, the flag a wrong one: the flag wins and is rejected.
    Result r = run("cluster", "list", "--token", "wrong");
    assertThat(r.code()).isEqualTo(1);
    assertThat(fake.lastAuthorization.get()).isEqualTo("Bearer wrong");
  }

  @Test
  void serverAndTokenComeFromTheConfigFile() throws IOException {
    env.remove("CONCIERGE_SERVER");
    env.remove("CONCIERGE_TOKEN");
    Files.writeString(
        home.resolve("config"),
        "server: " + fake.address() + "\ntoken: " + FakeControlPlane.TOKEN + "\n");

    Result r = run("cluster", "list");

    assertThat(r.code()).isZero();
    assertThat(fake.lastAuthorization.get()).isEqualTo("Bearer " + FakeControlPlane.TOKEN);
  }

  @Test
  void theCaComesFromTheConfigFileAndWithoutItTheCertificateIsNotTrusted() throws IOException {
    env.remove("CONCIERGE_CA_FILE");
    Result untrusted = run("cluster", "list");
    assertOneLineError(
        untrusted,
        1,
        "error: the TLS certificate of "
            + fake.address()
            + " is not trusted: give the control plane's CA (ca.crt in its data dir) with"
            + " --ca-file, CONCIERGE_CA_FILE or ~/.concierge/config");

    ClientSettings.ConfigFile.write(
        home.resolve("config"),
        fake.address(),
        FakeControlPlane.TOKEN,
        Files.readString(fake.caFile()));
    assertThat(run("cluster", "list").code()).isZero();

    Files.writeString(home.resolve("config"), "server: " + fake.address() + "\n");
    assertThat(run("--ca-file", fake.caFile().toString(), "cluster", "list").code()).isZero();
    Result missing = run("--ca-file", home.resolve("nope.crt").toString(), "cluster", "list");
    assertOneLineError(
        missing, 1, "error: CA file " + home.resolve("nope.crt") + " does not exist");
  }

  @Test
  void defaultConfigFileLivesUnderHome() throws IOException {
    env.remove("CONCIERGE_SERVER");
    env.remove("CONCIERGE_TOKEN");
    env.remove("CONCIERGE_CONFIG");
    Files.createDirectories(home.resolve(".concierge"));
    Files.writeString(
        home.resolve(".concierge/config"),
        "server: " + fake.address() + "\ntoken: " + FakeControlPlane.TOKEN + "\n");

    assertThat(run("cluster", "list").code()).isZero();
  }

  @Test
  void environmentBeatsConfigFileAndConfigFlagBeatsEnvironment() throws IOException {
    Files.writeString(home.resolve("config"), "server: 127.0.0.1:1\ntoken: wrong\n");
    // env has the real server and token.
    assertThat(run("cluster", "list").code()).isZero();

    Path other = home.resolve("other.yaml");
    Files.writeString(other, "token: from-flag-file\n");
    env.remove("CONCIERGE_TOKEN");
    run("--config", other.toString(), "cluster", "list");
    assertThat(fake.lastAuthorization.get()).isEqualTo("Bearer from-flag-file");
  }

  @Test
  void missingExplicitConfigFileIsAnError() {
    env.remove("CONCIERGE_TOKEN");
    Result r = run("--config", home.resolve("nope").toString(), "cluster", "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("does not exist").hasLineCount(1);
  }

  @Test
  void unreachableServerGivesOneLine() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    env.put("CONCIERGE_SERVER", "127.0.0.1:" + port);

    Result r = run("cluster", "list");

    assertOneLineError(
        r,
        1,
        "error: cannot reach the control plane at 127.0.0.1:" + port + " (connection refused)");
  }

  @Test
  void malformedServerAddressIsReported() {
    Result r = run("--server", "nocolon", "cluster", "list");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: invalid control plane address").hasLineCount(1);
  }

  @Test
  void certAddSendsTheKeyButNeverPrintsIt() throws IOException {
    Path cert = home.resolve("cert.pem");
    Path key = home.resolve("key.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n");

    Result r =
        run("cert", "add", "example-com", "--cert", cert.toString(), "--key", key.toString());

    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo("certificate \"example-com\" added (etag 1)" + System.lineSeparator());
    CreateCertificateRequest req = fake.last("CreateCertificate", CreateCertificateRequest.class);
    assertThat(req.getCertificate().getPrivateKey()).contains("SECRETKEY");
    assertThat(req.getCertificate().getCertificateChain()).contains("MIIB");

    Result list = run("cert", "list");
    assertThat(list.out().lines().toList())
        .containsExactly(
            "NAME         DNS-NAMES    ISSUER   NOT-AFTER             DAYS-LEFT  KEY       SHA-256"
                + "           DEFAULT  NODES   EXPIRY",
            "example-com  example.com  Test CA  2027-01-15T08:00:00Z  10         EC P-256 "
                + " abababababababab  -        edge-1  EXPIRING");
    Result json = run("-o", "json", "cert", "get", "example-com");
    assertThat(json.out()).contains("\"fingerprintSha256\"").doesNotContain("SECRETKEY");
    Result yaml = run("-o", "yaml", "cert", "list");
    assertThat(yaml.out()).contains("keyType: EC P-256").doesNotContain("SECRETKEY");
  }

  @Test
  void certAddAcmeSendsTheNamesAndListShowsAcmeFailures() {
    Result r =
        run(
            "cert",
            "add",
            "site",
            "--acme",
            "--name",
            "a.example.test",
            "--name",
            "b.example.test");

    assertThat(r.code()).isZero();
    CreateCertificateRequest req = fake.last("CreateCertificate", CreateCertificateRequest.class);
    assertThat(req.getCertificate().getAcme().getNamesList())
        .containsExactly("a.example.test", "b.example.test");
    assertThat(req.getCertificate().getCertificateChain()).isEmpty();
    assertThat(req.getCertificate().getPrivateKey()).isEmpty();

    dev.concierge.api.v1.Certificate stored = fake.certs.get("certificates/site");
    fake.certs.put(
        stored.getName(),
        stored.toBuilder()
            .setAcmeStatus(
                dev.concierge.api.v1.AcmeStatus.newBuilder()
                    .setState(dev.concierge.api.v1.AcmeStatus.State.FAILED)
                    .setLastError("HTTP-01 challenge for a.example.test invalid: refused")
                    .setFailures(2)
                    .setLastAttemptTime(
                        com.google.protobuf.Timestamp.newBuilder().setSeconds(1_800_000_000L))
                    .setNextRenewalTime(
                        com.google.protobuf.Timestamp.newBuilder().setSeconds(1_800_000_120L)))
            .build());
    List<String> lines = run("cert", "list").out().lines().toList();
    assertThat(lines.get(1)).startsWith("site ").endsWith("ACME-FAILED");
    assertThat(lines.get(2))
        .isEqualTo(
            "site: ACME failed at 2027-01-15T08:00:00Z (2 failures in a row, next try"
                + " 2027-01-15T08:02:00Z): HTTP-01 challenge for a.example.test invalid: refused");

    Result renew = run("cert", "renew", "site");
    assertThat(renew.code()).isZero();
    assertThat(renew.out())
        .isEqualTo("certificate \"site\" renewal requested" + System.lineSeparator());
    assertThat(
            fake.last("RenewCertificate", dev.concierge.api.v1.RenewCertificateRequest.class)
                .getName())
        .isEqualTo("certificates/site");
  }

  @Test
  void certAddAcmeRefusesAKeyPairAndNamesWithoutAcme() throws IOException {
    Path cert = home.resolve("cert.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

    Result both =
        run("cert", "add", "site", "--acme", "--name", "a.example.test", "--cert", cert.toString());
    Result noAcme = run("cert", "add", "site", "--name", "a.example.test");
    Result noNames = run("cert", "add", "site", "--acme");

    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("no --cert/--key");
    assertThat(noAcme.code()).isEqualTo(2);
    assertThat(noAcme.err()).contains("--name goes with --acme");
    assertThat(noNames.code()).isEqualTo(2);
    assertThat(noNames.err()).contains("--name=HOST");
    assertThat(fake.certs).isEmpty();
  }

  @Test
  void certAddReadsThePassphraseFromAFileAndMarksTheDefault() throws IOException {
    Path cert = home.resolve("cert.pem");
    Path key = home.resolve("key.pem");
    Path passphrase = home.resolve("pass.txt");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Files.writeString(
        key,
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nSECRETKEY\n-----END ENCRYPTED PRIVATE KEY-----\n");
    Files.writeString(passphrase, "open sesame\n");

    Result r =
        run(
            "-o",
            "json",
            "cert",
            "add",
            "example-com",
            "--cert",
            cert.toString(),
            "--key",
            key.toString(),
            "--key-passphrase-file",
            passphrase.toString(),
            "--default");

    assertThat(r.code()).isZero();
    CreateCertificateRequest req = fake.last("CreateCertificate", CreateCertificateRequest.class);
    assertThat(req.getCertificate().getPrivateKeyPassphrase()).isEqualTo("open sesame");
    assertThat(req.getCertificate().getDefaultCertificate()).isTrue();
    assertThat(r.out()).doesNotContain("open sesame").doesNotContain("SECRETKEY");
    assertThat(run("cert", "list").out()).contains("  yes  ");

    Result update =
        run(
            "cert",
            "update",
            "example-com",
            "--cert",
            cert.toString(),
            "--key",
            key.toString(),
            "--key-passphrase-file",
            passphrase.toString());
    assertThat(update.code()).isZero();
    UpdateCertificateRequest sent = fake.last("UpdateCertificate", UpdateCertificateRequest.class);
    assertThat(sent.getUpdateMask().getPathsList())
        .containsExactly("certificate_chain", "private_key", "private_key_passphrase");
    assertThat(sent.getCertificate().getPrivateKeyPassphrase()).isEqualTo("open sesame");
  }

  @Test
  void certClientAuthIsSetShownByCaSubjectChangedAndCleared() throws IOException {
    Path cert = home.resolve("cert.pem");
    Path key = home.resolve("key.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
    String ca = Files.readString(fake.caFile());

    Result add =
        run(
            "cert",
            "add",
            "mtls",
            "--cert",
            cert.toString(),
            "--key",
            key.toString(),
            "--client-auth",
            "required",
            "--client-ca",
            fake.caFile().toString());

    assertThat(add.code()).isZero();
    CreateCertificateRequest req = fake.last("CreateCertificate", CreateCertificateRequest.class);
    assertThat(req.getCertificate().getClientAuthentication())
        .isEqualTo(
            ClientAuthentication.newBuilder()
                .setMode(ClientAuthentication.Mode.REQUIRED)
                .setCaBundle(ca)
                .build());
    Result get = run("cert", "get", "mtls");
    assertThat(get.out())
        .contains("client authentication: required")
        .containsPattern("  client CA: .*CN=")
        .doesNotContain("BEGIN CERTIFICATE");

    Result optional = run("cert", "update", "mtls", "--client-auth", "Optional");
    assertThat(optional.code()).isZero();
    UpdateCertificateRequest sent = fake.last("UpdateCertificate", UpdateCertificateRequest.class);
    assertThat(sent.getUpdateMask().getPathsList()).containsExactly("client_authentication");
    // The stored bundle is kept when only the mode changes.
    assertThat(sent.getCertificate().getClientAuthentication().getCaBundle()).isEqualTo(ca);
    assertThat(run("cert", "get", "mtls").out()).contains("client authentication: optional");

    Result off = run("cert", "update", "mtls", "--no-client-auth");
    assertThat(off.code()).isZero();
    sent = fake.last("UpdateCertificate", UpdateCertificateRequest.class);
    assertThat(sent.getUpdateMask().getPathsList()).containsExactly("client_authentication");
    assertThat(sent.getCertificate().hasClientAuthentication()).isFalse();
    assertThat(run("cert", "get", "mtls").out()).contains("client authentication: none");

    // Without a stored bundle a mode alone cannot be applied.
    Result modeOnly = run("cert", "update", "mtls", "--client-auth", "required");
    assertThat(modeOnly.code()).isEqualTo(1);
    assertThat(modeOnly.err())
        .contains("has no client authentication yet: give both --client-auth")
        .hasLineCount(1);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = ';',
      quoteCharacter = '"',
      value = {
        "--client-auth required;--client-auth needs --client-ca FILE",
        "--client-ca CA;--client-ca needs --client-auth optional|required",
        "--client-auth sometimes --client-ca CA;'sometimes' is not a client authentication mode"
            + " (expected optional or required)",
        "--no-client-auth;--no-client-auth is for cert update"
      })
  void certAddClientAuthMistakesAreOneLineUsageErrors(String options, String message)
      throws IOException {
    Path cert = home.resolve("cert.pem");
    Path key = home.resolve("key.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
    List<String> args =
        new java.util.ArrayList<>(
            List.of("cert", "add", "c", "--cert", cert.toString(), "--key", key.toString()));
    for (String option : com.google.common.base.Splitter.on(' ').split(options)) {
      args.add(option.equals("CA") ? fake.caFile().toString() : option);
    }

    Result r = run(args.toArray(String[]::new));

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("error: ").contains(message).hasLineCount(1);
    assertThat(fake.last("CreateCertificate", Object.class)).isNull();
  }

  @Test
  void certUpdateNoDefaultSendsOnlyTheFlag() throws IOException {
    Path cert = home.resolve("cert.pem");
    Path key = home.resolve("key.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
    run("cert", "add", "c", "--cert", cert.toString(), "--key", key.toString(), "--default");

    Result r = run("cert", "update", "c", "--no-default");

    assertThat(r.code()).isZero();
    UpdateCertificateRequest sent = fake.last("UpdateCertificate", UpdateCertificateRequest.class);
    assertThat(sent.getUpdateMask().getPathsList()).containsExactly("default_certificate");
    assertThat(sent.getCertificate().getDefaultCertificate()).isFalse();
    assertThat(run("cert", "list").out()).doesNotContain("  yes  ");
  }

  @Test
  void aPassphraseIsNeverAPlainArgument() throws IOException {
    picocli.CommandLine.Model.OptionSpec prompt =
        ConciergeCommand.commandLine(
                env, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()))
            .getSubcommands()
            .get("cert")
            .getSubcommands()
            .get("add")
            .getCommandSpec()
            .findOption("--key-passphrase");
    assertThat(prompt.interactive()).isTrue();
    assertThat(prompt.arity().max()).isZero();
    assertThat(prompt.echo()).isFalse();

    Path passphrase = home.resolve("pass.txt");
    Files.writeString(passphrase, "x\n");
    Result alone = run("cert", "update", "c", "--key-passphrase-file", passphrase.toString());
    assertThat(alone.code()).isEqualTo(2);
    assertThat(alone.err()).contains("go with --cert and --key");
  }

  @Test
  void certUpdateReplacesChainAndKeyTogether() throws IOException {
    Path cert = home.resolve("cert.pem");
    Path key = home.resolve("key.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
    run("cert", "add", "example-com", "--cert", cert.toString(), "--key", key.toString());

    Result onlyCert = run("cert", "update", "example-com", "--cert", cert.toString());
    assertThat(onlyCert.code()).isEqualTo(2);

    Result r =
        run("cert", "update", "example-com", "--cert", cert.toString(), "--key", key.toString());
    assertThat(r.code()).isZero();
    UpdateCertificateRequest req = fake.last("UpdateCertificate", UpdateCertificateRequest.class);
    assertThat(req.getUpdateMask().getPathsList())
        .containsExactly("certificate_chain", "private_key");
    assertThat(req.getCertificate().getEtag()).isEqualTo("1");
  }

  @Test
  void missingPemFileIsAUsageError() {
    Result r =
        run(
            "cert",
            "add",
            "x",
            "--cert",
            home.resolve("none.pem").toString(),
            "--key",
            home.resolve("none.key").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("no such file").hasLineCount(1);
  }

  @Test
  void nodeListShowsSyncStatusAndTheRevision() {
    Result r = run("node", "list");
    assertThat(r.code()).isZero();
    assertThat(r.out().lines().toList())
        .containsExactly(
            "NAME    ADDRESS        STATUS  APPLIED  SENT  CONNECTED  LAST-SEEN            "
                + " LAST-REPORT                   VERSION",
            "edge-1  10.0.0.5:8080  synced  7        7     yes        2027-01-15T08:00:00Z "
                + " 2027-01-15T08:00:00Z (stale)  0.1.0",
            "control plane revision: 7");
  }

  @Test
  void clusterHealthShowsEachNodesViewOfEachEndpoint() {
    Result r = run("cluster", "health", "web");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(fake.last("GetClusterHealth", GetClusterHealthRequest.class).getName())
        .isEqualTo("clusters/web");
    assertThat(r.out().lines().map(String::stripTrailing).toList())
        .containsExactly(
            "ENDPOINT     NODE    STATE            SINCE                 REPORTED",
            "10.0.0.7:80  edge-1  unhealthy        2027-01-15T08:00:00Z  2027-01-15T08:00:00Z",
            "10.0.0.7:80  edge-2  healthy (STALE)  2027-01-15T08:00:00Z  2027-01-15T08:00:00Z",
            "10.0.0.8:80  -       no reports       -                     -");
  }

  @Test
  void statsAsYaml() throws IOException {
    Result r = run("stats", "-o", "yaml");
    assertThat(r.code()).isZero();
    JsonNode yaml = new YAMLMapper().readTree(r.out());
    assertThat(yaml.get("routes").get(0).get("name").asText()).isEqualTo("routes/web");
    assertThat(yaml.get("routes").get(0).get("latencyP99Us").asText()).isEqualTo("1234");
    assertThat(yaml.get("unrouted").get("requests").asText()).isEqualTo("4");
    assertThat(yaml.get("nodes").asInt()).isEqualTo(1);
    assertThat(yaml.get("routeRows").get(1).get("node").asText()).isEqualTo("nodes/edge-1");
    assertThat(yaml.get("routeRows").get(0).get("latencyP95Us").asText()).isEqualTo("900");
  }

  @Test
  void statsShowsTheRoutesOfTheWindowFleetWideAndPerNode() {
    Result r = run("stats");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(fake.last("GetStats", GetStatsRequest.class))
        .isEqualTo(GetStatsRequest.newBuilder().setLevel(StatsLevel.STATS_LEVEL_ROUTES).build());
    String us = ResourceCommand.unicodeOr("µs", "us");
    assertThat(r.out().lines().map(String::stripTrailing).toList())
        .containsExactly(
            "NAME        NODE    REQ/S  ERRORS  P50    P95    P99    REQUESTS",
            "routes/web  (all)   10.0   1.0%    400" + us + "  900" + us + "  1.2ms  600",
            "routes/web  edge-1  10.0   1.0%    400" + us + "  900" + us + "  1.2ms  600",
            "(no route)  (all)   0.0    -       -      -      -      0",
            "last 60s; nodes reporting: 1");
  }

  @Test
  void statsNodesAsksForAWindowAndANode() {
    Result r = run("stats", "nodes", "--window", "5m", "--node", "edge-1");
    assertThat(r.code()).as(r.err()).isZero();
    GetStatsRequest asked = fake.last("GetStats", GetStatsRequest.class);
    assertThat(asked.getLevel()).isEqualTo(StatsLevel.STATS_LEVEL_NODES);
    assertThat(asked.getWindow().getSeconds()).isEqualTo(300);
    assertThat(asked.getNode()).isEqualTo("nodes/edge-1");
    assertThat(r.out().lines().map(String::stripTrailing).toList())
        .containsExactly(
            "NODE    REQ/S  ERRORS  P50    P95   P99   REQUESTS",
            "edge-1  11.0   50.0%   300"
                + ResourceCommand.unicodeOr("µs", "us")
                + "  2.5s  3.0s  660",
            "last 60s; nodes reporting: 1");
  }

  @Test
  void statsWatchRedrawsEveryInterval() {
    Result r = run("stats", "--watch", "--interval", "100ms", "--iterations", "3");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(fake.statsCalls()).isEqualTo(3);
    assertThat(r.out().split("\u001b\\[H\u001b\\[2J", -1)).hasSize(4); // cleared before each draw
    assertThat(r.out()).contains("routes/web");
  }

  @Test
  void statsRefusesABadWindow() {
    Result r = run("stats", "--window", "soon");
    assertThat(r.code()).isNotZero();
    assertThat(r.err()).contains("--window");
  }

  @Test
  void helpGoesToStdoutWithExitZero() {
    Result r = run("route", "create", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--path-prefix").contains("--cluster");
    for (String sub : List.of("create", "update")) {
      assertThat(run("route", sub, "--help").out())
          .contains("--method=METHOD")
          .contains("--prefix-mode=MODE")
          .contains("--path-forwarding=FORM")
          .contains("--max-attempts=N")
          .contains("--request-body=MODE")
          .contains("--max-body=SIZE");
    }
    assertThat(run("route", "update", "--help").out()).contains("--any-method");
  }

  @Test
  void unknownCommandAndMissingSubcommandAreUsageErrors() {
    assertThat(run("bogus").code()).isEqualTo(2);
    Result r = run("route");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("missing subcommand").hasLineCount(1);
    assertThat(run().code()).isEqualTo(2);
  }

  @Test
  void mistypedSubcommandGetsASuggestion() {
    Result r = run("cluster", "lst");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("did you mean list?").hasLineCount(1);
  }

  @Test
  void versionPrintsTheVersion() {
    Result r = run("version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("concierge ");
    assertThat(List.of(r.out().strip().split(" "))).hasSize(2);
  }

  @Test
  void endpointDrainMarksOnlyThatEndpointAndClusterGetShowsIt() {
    seedWeb();

    Result r = run("endpoint", "drain", "web", "127.0.0.1:9002");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("endpoint 127.0.0.1:9002 of cluster \"web\" is now draining");
    UpdateClusterRequest sent = fake.last("UpdateCluster", UpdateClusterRequest.class);
    assertThat(sent.getUpdateMask().getPathsList()).containsExactly("endpoints");
    assertThat(sent.getCluster().getEtag()).isEqualTo("1");
    assertThat(fake.clusters.get("clusters/web").getEndpointsList())
        .extracting(Endpoint::getPort, Endpoint::getWeight, Endpoint::getDraining)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(9001, 0, false),
            org.assertj.core.groups.Tuple.tuple(9002, 3, true));
    assertThat(run("cluster", "get", "web").out())
        .contains("127.0.0.1:9001,127.0.0.1:9002=3,draining");

    Result again = run("endpoint", "drain", "clusters/web", "127.0.0.1:9002");
    assertThat(again.out()).contains("was already draining");

    Result back = run("endpoint", "undrain", "web", "127.0.0.1:9002");
    assertThat(back.code()).as(back.err()).isZero();
    assertThat(back.out()).contains("is now in rotation");
    assertThat(fake.clusters.get("clusters/web").getEndpoints(1).getDraining()).isFalse();
  }

  @Test
  void endpointDrainReadsAgainWhenTheClusterChangedInBetween() {
    seedWeb();
    fake.beforeNextClusterUpdate.set(
        () ->
            fake.putCluster(
                fake.clusters.get("clusters/web").toBuilder().setDescription("edited").build()));

    Result r = run("endpoint", "drain", "web", "127.0.0.1:9001");

    assertThat(r.code()).as(r.err()).isZero();
    Cluster stored = fake.clusters.get("clusters/web");
    assertThat(stored.getDescription()).isEqualTo("edited");
    assertThat(stored.getEndpoints(0).getDraining()).isTrue();
  }

  @Test
  void endpointDrainOfAnUnknownEndpointOrClusterFails() {
    seedWeb();

    assertOneLineError(
        run("endpoint", "drain", "web", "127.0.0.1:9999"),
        1,
        "error: cluster \"web\" has no endpoint 127.0.0.1:9999 (it has"
            + " 127.0.0.1:9001,127.0.0.1:9002=3)");
    Result unknown = run("endpoint", "undrain", "nope", "127.0.0.1:9001");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("clusters/nope").contains("not found");
    assertThat(run("endpoint", "drain", "web", "no-port").code()).isEqualTo(2);
  }

  @Test
  void endpointOptionDrainingParses() {
    Result r =
        run(
            "cluster",
            "create",
            "pool",
            "--endpoint=10.0.0.1:80",
            "--endpoint=10.0.0.2:80=2,priority=1,draining");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(fake.last("CreateCluster", CreateClusterRequest.class).getCluster().getEndpoints(1))
        .isEqualTo(
            Endpoint.newBuilder()
                .setHost("10.0.0.2")
                .setPort(80)
                .setWeight(2)
                .setPriority(1)
                .setDraining(true)
                .build());
  }

  // ---- policies

  @Test
  void policyCreateSendsTheListsFromOptionsAndAFile() throws IOException {
    Path file =
        Files.writeString(
            home.resolve("bad.txt"), "# abusers\n203.0.113.0/24\n\n198.51.100.7/32  # one host\n");
    Result r =
        run(
            "policy",
            "create",
            "office",
            "--allow",
            "10.0.0.0/8",
            "--allow",
            "2001:db8::/32",
            "--deny",
            "10.66.0.0/16",
            "--deny-file",
            file.toString(),
            "--source",
            "peer",
            "--description",
            "office only");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("policy \"office\" created (etag ");
    CreatePolicyRequest sent = (CreatePolicyRequest) fake.lastRequests.get("CreatePolicy");
    assertThat(sent.getPolicyId()).isEqualTo("office");
    assertThat(sent.getPolicy().getIpAccess())
        .isEqualTo(
            IpAccessList.newBuilder()
                .addAllow("10.0.0.0/8")
                .addAllow("2001:db8::/32")
                .addDeny("10.66.0.0/16")
                .addDeny("203.0.113.0/24")
                .addDeny("198.51.100.7/32")
                .setSource(IpAccessList.Source.PEER)
                .build());
    assertThat(sent.getPolicy().getFleetDefault()).isFalse();

    Result list = run("policy", "list");
    assertThat(list.out())
        .contains("NAME")
        .contains("office")
        .contains("ip-access")
        .contains("2 blocks")
        .contains("3 blocks")
        .contains("peer");
    Result get = run("policy", "get", "policies/office");
    assertThat(get.out())
        .contains("allow: 10.0.0.0/8, 2001:db8::/32")
        .contains("description: office only");
  }

  @Test
  void policyCreateNeedsAListAndABadBlockComesBackWithItsField() {
    Result none = run("policy", "create", "office");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("'--allow=CIDR' or '--deny=CIDR'");

    Result bad = run("policy", "create", "office", "--deny", "10.0.0.1/8");
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("policy.ip_access.deny[0]").contains("first address");
  }

  @Test
  void policyCreateAndUpdateARateLimit() {
    Result r =
        run(
            "policy",
            "create",
            "per-key",
            "--rate",
            "1000/h",
            "--burst",
            "50",
            "--key",
            "header:X-Api-Key",
            "--dry-run");
    assertThat(r.code()).as(r.err()).isZero();
    CreatePolicyRequest sent = (CreatePolicyRequest) fake.lastRequests.get("CreatePolicy");
    assertThat(sent.getPolicy().getRateLimit())
        .isEqualTo(
            RateLimit.newBuilder()
                .setRequests(1000)
                .setUnit(RateLimit.Unit.HOUR)
                .setBurst(50)
                .setKey(RateLimit.Key.HEADER)
                .setHeader("X-Api-Key")
                .setDryRun(true)
                .build());
    assertThat(run("policy", "list").out()).contains("rate-limit");
    assertThat(run("policy", "get", "per-key").out())
        .contains("rate: 1000/h, burst 50, key header:X-Api-Key, dry run");

    Result update = run("policy", "update", "per-key", "--dry-run=false", "--key", "route");
    assertThat(update.code()).as(update.err()).isZero();
    UpdatePolicyRequest updated = (UpdatePolicyRequest) fake.lastRequests.get("UpdatePolicy");
    assertThat(updated.getUpdateMask().getPathsList()).containsExactly("rate_limit");
    RateLimit stored = fake.policies.get("policies/per-key").getRateLimit();
    assertThat(stored.getKey()).isEqualTo(RateLimit.Key.ROUTE);
    assertThat(stored.getHeader()).isEmpty();
    assertThat(stored.getDryRun()).isFalse();
    assertThat(stored.getRequests()).isEqualTo(1000);

    // Keys on what authentication proved: a claim of the JWT, the consumer.
    assertThat(run("policy", "update", "per-key", "--key", "claim:sub").code()).isZero();
    stored = fake.policies.get("policies/per-key").getRateLimit();
    assertThat(stored.getKey()).isEqualTo(RateLimit.Key.CLAIM);
    assertThat(stored.getClaim()).isEqualTo("sub");
    assertThat(run("policy", "get", "per-key").out()).contains("key claim:sub");
    assertThat(run("policy", "update", "per-key", "--key", "consumer").code()).isZero();
    stored = fake.policies.get("policies/per-key").getRateLimit();
    assertThat(stored.getKey()).isEqualTo(RateLimit.Key.CONSUMER);
    assertThat(stored.getClaim()).isEmpty();
    assertThat(run("policy", "update", "per-key", "--key", "claim:").err())
        .contains("expected client, route, header:NAME, consumer or claim:NAME");

    assertThat(run("policy", "create", "x", "--rate", "10/day").err())
        .contains("'10/day' is not a rate (expected N/s, N/m or N/h, e.g. 100/s)");
    assertThat(run("policy", "create", "x", "--burst", "5").err())
        .contains("Missing required option: '--rate=N/UNIT'");
    assertThat(run("policy", "create", "x", "--rate", "5/s", "--deny", "10.0.0.0/8").err())
        .contains("a policy is one kind");
    Result global = run("policy", "create", "x", "--rate", "0/s");
    assertThat(global.code()).isEqualTo(1);
    assertThat(global.err()).contains("policy.rate_limit.requests: must be at least 1");
  }

  @Test
  void policyCreateTakesAGlobalScopeAndItsStoreErrorMode() {
    Result r =
        run(
            "policy",
            "create",
            "fleet-wide",
            "--rate",
            "100/m",
            "--key",
            "route",
            "--scope",
            "global");
    assertThat(r.code()).as(r.err()).isZero();
    RateLimit sent =
        ((CreatePolicyRequest) fake.lastRequests.get("CreatePolicy")).getPolicy().getRateLimit();
    assertThat(sent.getScope()).isEqualTo(RateLimit.Scope.GLOBAL);
    assertThat(run("policy", "get", "fleet-wide").out())
        .contains("rate: 100/m, burst 100, key route, global");

    Result update = run("policy", "update", "fleet-wide", "--on-store-error", "closed");
    assertThat(update.code()).as(update.err()).isZero();
    RateLimit stored = fake.policies.get("policies/fleet-wide").getRateLimit();
    assertThat(stored.getOnStoreError()).isEqualTo(RateLimit.OnStoreError.FAIL_CLOSED);
    assertThat(stored.getScope()).isEqualTo(RateLimit.Scope.GLOBAL);
    assertThat(run("policy", "get", "fleet-wide").out())
        .contains("key route, global (closed on store error)");
    assertThat(run("policy", "update", "fleet-wide", "--scope", "local").code()).isZero();
    assertThat(fake.policies.get("policies/fleet-wide").getRateLimit().getOnStoreError())
        .isEqualTo(RateLimit.OnStoreError.ON_STORE_ERROR_UNSPECIFIED);

    assertThat(run("policy", "create", "x", "--rate", "5/s", "--scope", "planet").err())
        .contains("'planet' is not a scope (expected local or global)");
    assertThat(run("policy", "create", "x", "--rate", "5/s", "--on-store-error", "open").err())
        .contains("policy.rate_limit.on_store_error: only with scope GLOBAL");
  }

  @Test
  void policyUpdateReplacesOnlyWhatIsGiven() {
    run("policy", "create", "office", "--allow", "10.0.0.0/8", "--deny", "10.66.0.0/16");
    Result r = run("policy", "update", "office", "--no-deny", "--fleet-default");
    assertThat(r.code()).as(r.err()).isZero();
    UpdatePolicyRequest sent = (UpdatePolicyRequest) fake.lastRequests.get("UpdatePolicy");
    assertThat(sent.getUpdateMask().getPathsList()).containsExactly("ip_access", "fleet_default");
    Policy stored = fake.policies.get("policies/office");
    assertThat(stored.getIpAccess().getAllowList()).containsExactly("10.0.0.0/8");
    assertThat(stored.getIpAccess().getDenyCount()).isZero();
    assertThat(stored.getFleetDefault()).isTrue();

    Result nothing = run("policy", "update", "office");
    assertThat(nothing.code()).isEqualTo(2);
    assertThat(nothing.err()).contains("nothing to update");
  }

  @Test
  void corsPolicyIsCreatedFromItsOptionsUpdatedInPartAndRefusesStarWithCredentials() {
    Result r =
        run(
            "policy",
            "create",
            "browser",
            "--cors-origin",
            "https://app.example.com",
            "--cors-origin",
            "https://*.example.net",
            "--cors-method",
            "PUT",
            "--cors-header",
            "Content-Type",
            "--cors-expose",
            "X-Request-Id",
            "--cors-credentials",
            "--cors-max-age",
            "600");
    assertThat(r.code()).as(r.err()).isZero();
    CreatePolicyRequest sent = (CreatePolicyRequest) fake.lastRequests.get("CreatePolicy");
    assertThat(sent.getPolicy().getCors())
        .isEqualTo(
            dev.concierge.api.v1.Cors.newBuilder()
                .addAllowOrigins("https://app.example.com")
                .addAllowOrigins("https://*.example.net")
                .addAllowMethods("PUT")
                .addAllowHeaders("Content-Type")
                .addExposeHeaders("X-Request-Id")
                .setAllowCredentials(true)
                .setMaxAgeSeconds(600)
                .build());
    assertThat(run("policy", "list").out()).contains("cors");
    assertThat(run("policy", "get", "browser").out())
        .contains("origins: https://app.example.com, https://*.example.net")
        .contains("credentials: yes");

    Result updated = run("policy", "update", "browser", "--cors-max-age", "60");
    assertThat(updated.code()).as(updated.err()).isZero();
    dev.concierge.api.v1.Cors stored = fake.policies.get("policies/browser").getCors();
    assertThat(stored.getMaxAgeSeconds()).isEqualTo(60);
    assertThat(stored.getAllowOriginsCount()).isEqualTo(2);

    Result star = run("policy", "update", "browser", "--cors-origin", "*");
    assertThat(star.code()).isEqualTo(1);
    assertThat(star.err()).contains("policy.cors.allow_origins[0]").contains("allow_credentials");

    Result mixed =
        run(
            "policy",
            "create",
            "both",
            "--cors-origin",
            "https://a.example",
            "--deny",
            "10.0.0.0/8");
    assertThat(mixed.code()).isEqualTo(2);
  }

  @Test
  void routesNamePoliciesAndAUsedPolicyCannotBeDeleted() {
    fake.putCluster(
        Cluster.newBuilder()
            .setName("clusters/web")
            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9001))
            .build());
    run("policy", "create", "office", "--allow", "10.0.0.0/8");
    Result created = run("route", "create", "web", "--cluster", "web", "--policy", "office");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(fake.routes.get("routes/web").getPoliciesList()).containsExactly("policies/office");
    assertThat(run("route", "get", "web").out()).contains("policies: office");

    Result refused = run("policy", "delete", "office");
    assertThat(refused.code()).isEqualTo(1);
    assertThat(refused.err()).contains("is used by routes/web");

    Result detached = run("route", "update", "web", "--no-policies");
    assertThat(detached.code()).as(detached.err()).isZero();
    UpdateRouteRequest sent = (UpdateRouteRequest) fake.lastRequests.get("UpdateRoute");
    assertThat(sent.getUpdateMask().getPathsList()).containsExactly("policies");
    assertThat(fake.routes.get("routes/web").getPoliciesCount()).isZero();
    assertThat(run("policy", "delete", "office").code()).isZero();
    assertThat(fake.policies).isEmpty();
  }

  @Test
  void connectionLimitsPolicyIsCreatedAsAFleetDefaultAndGetShowsItsLimits() {
    Result r =
        run(
            "policy",
            "create",
            "edge-limits",
            "--fleet-default",
            "--max-connections-per-address",
            "100",
            "--max-connections",
            "10000",
            "--max-requests-per-connection",
            "1000",
            "--max-header-count",
            "100",
            "--max-header-bytes",
            "16384",
            "--max-uri-length",
            "8192");

    assertThat(r.code()).as(r.err()).isZero();
    CreatePolicyRequest sent = (CreatePolicyRequest) fake.lastRequests.get("CreatePolicy");
    assertThat(sent.getPolicy().getFleetDefault()).isTrue();
    assertThat(sent.getPolicy().getConnectionLimits())
        .isEqualTo(
            dev.concierge.api.v1.ConnectionLimits.newBuilder()
                .setMaxConnectionsPerAddress(100)
                .setMaxConnections(10_000)
                .setMaxRequestsPerConnection(1000)
                .setMaxHeaderCount(100)
                .setMaxHeaderBytes(16_384)
                .setMaxUriLength(8192)
                .build());
    assertThat(run("policy", "list").out()).contains("connection-limits");
    assertThat(run("policy", "get", "edge-limits").out())
        .contains("max connections per address: 100")
        .contains("max uri length: 8192");
  }

  @Test
  void connectionLimitsUpdateChangesOnlyTheLimitGiven() {
    run("policy", "create", "edge-limits", "--fleet-default", "--max-connections-per-address=100");

    Result r = run("policy", "update", "edge-limits", "--max-header-count", "50");

    assertThat(r.code()).as(r.err()).isZero();
    dev.concierge.api.v1.ConnectionLimits stored =
        fake.policies.get("policies/edge-limits").getConnectionLimits();
    assertThat(stored.getMaxConnectionsPerAddress()).isEqualTo(100);
    assertThat(stored.getMaxHeaderCount()).isEqualTo(50);
  }

  @Test
  void connectionLimitsPolicyMustBeAFleetDefaultOfOneKind() {
    Result notDefault = run("policy", "create", "edge-limits", "--max-connections=100");
    assertThat(notDefault.code()).isEqualTo(1);
    assertThat(notDefault.err()).contains("policy.fleet_default").contains("set fleet_default");

    Result mixed = run("policy", "create", "both", "--max-connections=100", "--deny", "10.0.0.0/8");
    assertThat(mixed.code()).isEqualTo(2);
  }

  @Test
  void jwtPolicyIsCreatedFromItsOptionsAndItsSecretIsNeverPrinted() throws Exception {
    String secret = "a-shared-secret-of-at-least-32-bytes!";
    Path secretFile = home.resolve("jwt.secret");
    Files.writeString(secretFile, secret + "\n");
    Result r =
        run(
            "policy",
            "create",
            "api-jwt",
            "--jwt-issuer",
            "https://issuer.example",
            "--jwt-audience",
            "api",
            "--jwt-algorithm",
            "HS256",
            "--jwt-secret-file",
            secretFile.toString(),
            "--jwt-leeway",
            "30s",
            "--jwt-token-from",
            "cookie:session",
            "--jwt-claim-header",
            "sub=X-User-Id",
            "--jwt-required-claim",
            "email");
    assertThat(r.code()).as(r.err()).isZero();
    CreatePolicyRequest sent = (CreatePolicyRequest) fake.lastRequests.get("CreatePolicy");
    dev.concierge.api.v1.JwtAuth jwt = sent.getPolicy().getJwtAuth();
    assertThat(jwt.getIssuersList()).containsExactly("https://issuer.example");
    assertThat(jwt.getAlgorithmsList())
        .containsExactly(dev.concierge.api.v1.JwtAuth.Algorithm.HS256);
    assertThat(jwt.getLeeway().getSeconds()).isEqualTo(30);
    assertThat(jwt.getTokenSource().getKind())
        .isEqualTo(dev.concierge.api.v1.JwtAuth.TokenSource.Kind.COOKIE);
    assertThat(jwt.getClaimsToHeadersMap()).containsEntry("sub", "X-User-Id");
    // The bare secret (final newline dropped) becomes a one-key JWK Set.
    String k =
        java.util.Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(secret.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(jwt.getSecretJwks()).isEqualTo("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + k + "\"}]}");
    assertThat(run("policy", "list").out()).contains("jwt");
    Result shown = run("policy", "get", "api-jwt");
    assertThat(shown.out())
        .contains("issuers: https://issuer.example")
        .contains("token from: cookie:session (stripped)")
        .contains("claim headers: sub -> X-User-Id")
        .doesNotContain(k)
        .doesNotContain(secret);

    Result updated = run("policy", "update", "api-jwt", "--jwt-audience", "orders");
    assertThat(updated.code()).as(updated.err()).isZero();
    assertThat(fake.policies.get("policies/api-jwt").getJwtAuth().getAudiencesList())
        .containsExactly("orders");
  }
}
