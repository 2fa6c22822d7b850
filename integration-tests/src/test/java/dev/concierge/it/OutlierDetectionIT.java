package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.EndpointFleetHealth;
import dev.concierge.api.v1.GetClusterHealthRequest;
import dev.concierge.api.v1.HealthState;
import dev.concierge.api.v1.NodeHealthView;
import dev.concierge.cli.ConciergeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance of passive outlier detection through a real node, configured with the CLI as a user
 * would: a backend that answers 500 to everything is ejected after the configured consecutive
 * count, and no more client requests than that count see a 500; the cap on the share ejected keeps
 * a second bad backend in; the failure-percentage rule finds a backend that fails some of the time.
 */
class OutlierDetectionIT {
  @TempDir Path work;
  private final List<TestBackend> backends = new ArrayList<>();
  private Fleet fleet;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(work.resolve("fleet"), 1);
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backends.forEach(TestBackend::close);
  }

  private List<TestBackend> backends(int n) throws Exception {
    for (int i = 0; i < n; i++) {
      backends.add(TestBackend.start("b" + i));
    }
    return backends;
  }

  private void web(String... outlierOptions) {
    List<String> args = new ArrayList<>(List.of("cluster", "create", "web"));
    backends.forEach(b -> args.add("--endpoint=" + b.endpoint()));
    args.addAll(List.of(outlierOptions));
    cli(args.toArray(String[]::new));
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();
  }

  private int port() {
    return fleet.nodes().get(0).httpPort();
  }

  /** Sends {@code n} GETs one after another; the statuses seen, by status. */
  private Map<Integer, Integer> send(int n) {
    Map<Integer, Integer> statuses = new HashMap<>();
    for (int i = 0; i < n; i++) {
      statuses.merge(Http.get(port(), "/item/" + i).statusCode(), 1, Integer::sum);
    }
    return statuses;
  }

  private HealthState stateOf(TestBackend backend) {
    ClusterHealth health =
        fleet
            .api()
            .getClusterHealth(GetClusterHealthRequest.newBuilder().setName("clusters/web").build());
    for (EndpointFleetHealth endpoint : health.getEndpointsList()) {
      if (endpoint.getAddress().equals(backend.endpoint())) {
        for (NodeHealthView view : endpoint.getViewsList()) {
          return view.getState();
        }
      }
    }
    return HealthState.HEALTH_STATE_UNSPECIFIED;
  }

  @Test
  void aBackendAnswering500IsEjectedAfterTheCountAndNoMoreClientsSeeA500() throws Exception {
    List<TestBackend> three = backends(3);
    TestBackend bad = three.get(1);
    bad.answer(n -> 500);
    web("--outlier-5xx", "3", "--ejection-time", "10m", "--max-ejection-time", "1h");

    Map<Integer, Integer> statuses = send(60);

    assertThat(statuses).containsEntry(500, 3).containsEntry(200, 57);
    assertThat(bad.requests()).as("nothing reaches it once ejected").isEqualTo(3);
    assertThat(three.get(0).requests() + three.get(2).requests()).isEqualTo(57);
    await().atMost(Duration.ofSeconds(10)).until(() -> stateOf(bad) == HealthState.EJECTED);
    assertThat(cli("cluster", "get", "web"))
        .contains("outlier detection: 5xx=3 connect=5 ejection=10m..1h max=10%");
    String metrics = NodeMetricsText.of(fleet.nodes().get(0));
    String endpoint = "endpoint=\"" + bad.endpoint() + "\"";
    assertThat(NodeMetricsText.sum(metrics, "concierge_endpoint_ejections_total", endpoint))
        .isEqualTo(1);
    assertThat(
            NodeMetricsText.sum(
                metrics, "concierge_endpoint_health", endpoint, "state=\"ejected\""))
        .isEqualTo(1);
    assertThat(
            NodeMetricsText.sum(
                metrics, "concierge_upstream_request_duration_seconds_count", endpoint))
        .isEqualTo(3);
  }

  @Test
  void theEjectedShareIsCappedButOneMayAlwaysGo() throws Exception {
    List<TestBackend> three = backends(3);
    three.get(0).answer(n -> 500);
    three.get(1).answer(n -> 500);
    // 10 % of 3 endpoints: one may go (as Envoy), the second bad one stays in rotation.
    web("--outlier-5xx", "2", "--ejection-time", "1h");

    send(60);

    assertThat(three.get(0).requests() + three.get(1).requests())
        .as("one of the two bad backends is still sent traffic")
        .isGreaterThan(10);
    assertThat(List.of(three.get(0).requests(), three.get(1).requests())).contains(2);
  }

  @Test
  void theFailurePercentageRuleEjectsABackendThatFailsMostOfTheTime() throws Exception {
    List<TestBackend> five = backends(5);
    TestBackend flaky = five.get(4);
    flaky.answer(n -> n % 4 == 0 ? 200 : 503); // 75 % failures
    web(
        "--outlier-5xx",
        "0",
        "--outlier-failure-percentage",
        "60,min-hosts=5,volume=5",
        "--outlier-interval",
        "2s",
        "--ejection-time",
        "1h");

    // Volume 5 per endpoint in 2 s: a client as slow as 13 requests per second still gets there.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              send(50);
              return stateOf(flaky) == HealthState.EJECTED;
            });
    int before = flaky.requests();
    Map<Integer, Integer> after = send(40);

    assertThat(flaky.requests()).as("ejected: no more traffic").isEqualTo(before);
    assertThat(after).containsOnlyKeys(200);
    five.subList(0, 4).forEach(b -> assertThat(stateOf(b)).isEqualTo(HealthState.HEALTHY));
  }

  @Test
  void badOptionsAreRefusedWithTheField() {
    StringWriter err = new StringWriter();
    int code =
        ConciergeCommand.run(
            new String[] {
              "cluster", "create", "web", "--endpoint=127.0.0.1:1", "--max-ejection-percent", "0"
            },
            env(),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));

    assertThat(code).isNotZero();
    assertThat(err.toString()).contains("'0' is not a percentage (1-100)");
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", work.toString());
    env.put("CONCIERGE_CONFIG", work.resolve("cli-config").toString());
    env.put("CONCIERGE_SERVER", fleet.controlPlaneAddress());
    env.put("CONCIERGE_CA_FILE", fleet.caFile().toString());
    env.put("CONCIERGE_TOKEN", fleet.controlPlane().adminToken());
    return env;
  }

  private String cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env(), new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as(err.toString()).isZero();
    return out.toString();
  }
}
