package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A route created through the API serves through every node, and its updates reach them all. */
class RoutingAcrossNodesIT {
  private static final Logger LOG = LoggerFactory.getLogger(RoutingAcrossNodesIT.class);

  @TempDir Path dataDir;
  private TestBackend a;
  private TestBackend b;
  private Fleet fleet;

  @BeforeEach
  void setUp() throws Exception {
    a = TestBackend.start("backend-a");
    b = TestBackend.start("backend-b");
    fleet = Fleet.start(dataDir, 2);
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    a.close();
    b.close();
  }

  @Test
  void routeServesThroughBothNodesAlternatingBackends() {
    fleet.createCluster("web", a, b);
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();

    for (DataPlaneServer node : fleet.nodes()) {
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> response = Http.get(node.httpPort(), "/hello?i=" + i);
        assertThat(response.statusCode()).isEqualTo(200);
        answers.add(response.body());
      }
      assertThat(answers).containsOnly("backend-a", "backend-b");
      for (int i = 1; i < answers.size(); i++) {
        assertThat(answers.get(i))
            .as("round robin alternates: %s", answers)
            .isNotEqualTo(answers.get(i - 1));
      }
    }
  }

  @Test
  void forwardsClientIdentityAndHidesBackendIdentity() {
    fleet.createCluster("web", a);
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();
    int port = fleet.nodes().get(0).httpPort();

    HttpResponse<String> response =
        Http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/x"))
                .header("X-Forwarded-For", "6.6.6.6")
                .GET());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Server")).isEmpty();
    assertThat(response.headers().firstValue("X-Powered-By")).isEmpty();
    assertThat(response.headers().firstValue("X-Backend")).contains("backend-a");
    var seen = a.lastRequestHeaders();
    assertThat(seen.get("X-Forwarded-For")).containsExactly("127.0.0.1");
    assertThat(seen.getFirst("X-Forwarded-Proto")).isEqualTo("http");
    assertThat(seen.getFirst("X-Forwarded-Host")).isEqualTo("127.0.0.1:" + port);
    assertThat(seen.getFirst("Via")).contains("concierge");
  }

  @Test
  void updateReachesEveryNode() {
    fleet.createCluster("web", a);
    fleet.createCluster("other", b);
    Route route = fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();
    for (DataPlaneServer node : fleet.nodes()) {
      assertThat(Http.bodyOrStatus(node.httpPort(), "/")).isEqualTo("backend-a");
    }

    long start = System.nanoTime();
    fleet
        .api()
        .updateRoute(
            UpdateRouteRequest.newBuilder()
                .setRoute(
                    Fleet.routeTo("/", "other").toBuilder()
                        .setName(route.getName())
                        .setEtag(route.getEtag()))
                .setUpdateMask(FieldMask.newBuilder().addPaths("forward"))
                .build());
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(2))
        .until(
            () ->
                fleet.nodes().stream()
                    .allMatch(node -> Http.bodyOrStatus(node.httpPort(), "/").equals("backend-b")));
    long millis = (System.nanoTime() - start) / 1_000_000;
    LOG.warn("propagation: route update to both nodes serving it took {} ms", millis);
  }
}
