package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.EndpointFleetHealth;
import dev.concierge.api.v1.GetClusterHealthRequest;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.api.v1.HealthState;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.NodeHealthView;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.cli.ConciergeCommand;
import dev.concierge.dataplane.DataPlaneServer;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane's fleet view of backend health: each node reports how it sees every endpoint, a
 * change at once; {@code concierge cluster health} shows it per node, and nodes that stop reporting
 * are marked stale.
 */
class FleetHealthIT {
  private static final Duration REPORT_INTERVAL = Duration.ofMillis(500);

  @TempDir Path dataDir;
  @TempDir Path work;
  private final TestBackend[] backends = new TestBackend[3];
  private Fleet fleet;
  private DataPlaneServer node1;
  private DataPlaneServer node2;

  @BeforeEach
  void setUp() throws Exception {
    for (int i = 0; i < backends.length; i++) {
      backends[i] = TestBackend.start("b" + i);
    }
    fleet = Fleet.start(dataDir, 0);
    // A long interval for node-1: what it reports promptly is the transition, not the tick.
    node1 = fleet.startNode("node-1", b -> b.reportInterval(Duration.ofMinutes(5)));
    node2 = fleet.startNode("node-2", b -> b.reportInterval(REPORT_INTERVAL));
    fleet.createCluster("web", backends);
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    for (TestBackend backend : backends) {
      backend.close();
    }
  }

  private ClusterHealth health() {
    return fleet
        .api()
        .getClusterHealth(GetClusterHealthRequest.newBuilder().setName("clusters/web").build());
  }

  private static Map<String, HealthState> viewsOf(ClusterHealth health, String address) {
    Map<String, HealthState> views = new HashMap<>();
    for (EndpointFleetHealth endpoint : health.getEndpointsList()) {
      if (endpoint.getAddress().equals(address)) {
        for (NodeHealthView view : endpoint.getViewsList()) {
          views.put(view.getNode(), view.getState());
        }
      }
    }
    return views;
  }

  /** Sends requests through the node until it has ejected {@code dead} (passive detection). */
  private static void driveTraffic(DataPlaneServer node, int requests) {
    for (int i = 0; i < requests; i++) {
      Http.RawResponse response = Http.withHost(node.httpPort(), "GET", "web.test", "/x");
      assertThat(response.status()).as(response.body()).isEqualTo(200);
    }
  }

  @Test
  void eachNodesViewOfAKilledBackendReachesTheControlPlane() {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              ClusterHealth health = health();
              assertThat(health.getEndpointsList())
                  .extracting(EndpointFleetHealth::getAddress)
                  .containsExactly(
                      backends[0].endpoint(), backends[1].endpoint(), backends[2].endpoint());
              for (TestBackend backend : backends) {
                assertThat(viewsOf(health, backend.endpoint()))
                    .containsOnly(
                        Map.entry("nodes/node-1", HealthState.HEALTHY),
                        Map.entry("nodes/node-2", HealthState.HEALTHY));
              }
            });

    String dead = backends[1].endpoint();
    backends[1].close();
    // Connection failures in a row eject the endpoint on each node; retries hide them.
    driveTraffic(node1, 30);
    driveTraffic(node2, 30);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              ClusterHealth health = health();
              assertThat(viewsOf(health, dead))
                  .containsOnly(
                      Map.entry("nodes/node-1", HealthState.EJECTED),
                      Map.entry("nodes/node-2", HealthState.EJECTED));
              assertThat(viewsOf(health, backends[0].endpoint()))
                  .containsOnly(
                      Map.entry("nodes/node-1", HealthState.HEALTHY),
                      Map.entry("nodes/node-2", HealthState.HEALTHY));
            });

    String table = cli("cluster", "health", "web");
    assertThat(table)
        .contains("ENDPOINT", "NODE", "STATE", "SINCE")
        .containsPattern(dead.replace(".", "\\.") + "\\s+node-1\\s+ejected")
        .containsPattern(dead.replace(".", "\\.") + "\\s+node-2\\s+ejected");
    assertThat(cli("cluster", "health", "web", "-o", "json"))
        .contains("\"state\": \"EJECTED\"", "\"node\": \"nodes/node-2\"");
  }

  @Test
  void eachNodesActiveChecksShowAKilledBackendUnhealthy() {
    fleet
        .api()
        .updateCluster(
            UpdateClusterRequest.newBuilder()
                .setCluster(
                    Cluster.newBuilder()
                        .setName("clusters/web")
                        .setHealthCheck(
                            HealthCheck.newBuilder()
                                .setInterval(Durations.fromMillis(300))
                                .setTimeout(Durations.fromMillis(200))
                                .setUnhealthyThreshold(2)
                                .setHttp(
                                    HealthCheck.Http.newBuilder()
                                        .setPath(TestBackend.HEALTH_PATH))))
                .setUpdateMask(FieldMask.newBuilder().addPaths("health_check"))
                .build());
    fleet.awaitSynced();
    String dead = backends[2].endpoint();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(viewsOf(health(), dead))
                    .containsOnly(
                        Map.entry("nodes/node-1", HealthState.HEALTHY),
                        Map.entry("nodes/node-2", HealthState.HEALTHY)));

    backends[2].close(); // no traffic at all: only the checks find it

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(viewsOf(health(), dead))
                    .containsOnly(
                        Map.entry("nodes/node-1", HealthState.UNHEALTHY),
                        Map.entry("nodes/node-2", HealthState.UNHEALTHY)));
    assertThat(cli("cluster", "health", "web"))
        .containsPattern(dead.replace(".", "\\.") + "\\s+node-1\\s+unhealthy")
        .containsPattern(dead.replace(".", "\\.") + "\\s+node-2\\s+unhealthy");
  }

  @Test
  void aNodeThatStopsReportingIsStale() {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> viewsOf(health(), backends[0].endpoint()).containsKey("nodes/node-2"));

    node2.close();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              List<NodeHealthView> views = health().getEndpointsList().get(0).getViewsList();
              assertThat(views)
                  .filteredOn(v -> v.getNode().equals("nodes/node-2"))
                  .singleElement()
                  .satisfies(v -> assertThat(v.getStale()).isTrue());
              Node node =
                  fleet
                      .api()
                      .listNodes(ListNodesRequest.getDefaultInstance())
                      .getNodesList()
                      .stream()
                      .filter(n -> n.getName().equals("nodes/node-2"))
                      .findFirst()
                      .orElseThrow();
              assertThat(node.hasLastReport()).isTrue();
              assertThat(node.getReportStale()).isTrue();
            });
    assertThat(cli("node", "list")).containsPattern("node-2 .*\\(stale\\)");
  }

  @Test
  void anUnknownClusterIsNotFound() {
    assertThatThrownBy(
            () ->
                fleet
                    .api()
                    .getClusterHealth(
                        GetClusterHealthRequest.newBuilder().setName("clusters/nope").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  private String cli(String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", work.toString());
    env.put("CONCIERGE_CONFIG", work.resolve("cli-config").toString());
    env.put("CONCIERGE_SERVER", fleet.controlPlaneAddress());
    env.put("CONCIERGE_CA_FILE", fleet.caFile().toString());
    env.put("CONCIERGE_TOKEN", fleet.controlPlane().adminToken());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as(err.toString()).isZero();
    return out.toString();
  }
}
