package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
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
 * Panic threshold through a real node: four backends, two killed and found unhealthy by active
 * checks. With threshold 60 % (2 of 4 available is 50 %, and 50 x 1.4 < 100) the cluster balances
 * over all four, so tries reach the dead ones and fail over by retry (clients still see only 200s);
 * with 0, the dead ones get no try at all. The node keeps no per-endpoint try counts, so the tries
 * to the dead ones are read from the cluster's upstream_failures counter.
 */
class PanicThresholdIT {
  private static final int REQUESTS = 200;

  @TempDir Path dataDir;
  private final List<TestBackend> backends = new ArrayList<>();
  private Fleet fleet;
  private DataPlaneServer node;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    node = fleet.nodes().get(0);
    for (String name : List.of("backend-a", "backend-b", "backend-c", "backend-d")) {
      backends.add(TestBackend.start(name));
    }
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backends.forEach(TestBackend::close);
  }

  @Test
  void belowTheThresholdTriesReachTheDeadEndpointsAndClientsStillGet200s() {
    serve(60);
    long failures = killTwoAndCountFailedTries();

    // Half the first tries land on a dead endpoint, and some retries on the other dead one.
    assertThat(failures).as("tries that reached a dead endpoint").isGreaterThanOrEqualTo(80);
  }

  @Test
  void withoutAThresholdTheDeadEndpointsGetNoTry() {
    serve(0);
    long failures = killTwoAndCountFailedTries();

    assertThat(failures).as("tries that reached a dead endpoint").isZero();
  }

  /**
   * Kills backends b and d, waits for the checks' verdict, then sends {@link #REQUESTS} GETs: every
   * one answered 200 by a, or c, both of which serve; returns the failed tries among them.
   */
  private long killTwoAndCountFailedTries() {
    for (int i = 0; i < 8; i++) {
      assertThat(get(i)).startsWith("backend-"); // the node serves, and its connections are warm
    }
    TestBackend b = backends.get(1);
    TestBackend d = backends.get(3);
    b.close();
    d.close();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Boolean.FALSE.equals(healthy(b)) && Boolean.FALSE.equals(healthy(d)));
    long before = clusterCounters().getUpstreamFailures();

    Map<String, Integer> answers = new HashMap<>();
    for (int i = 0; i < REQUESTS; i++) {
      answers.merge(get(i), 1, Integer::sum);
    }

    assertThat(answers).containsOnlyKeys("backend-a", "backend-c");
    assertThat(answers.values()).allMatch(n -> n >= REQUESTS / 4);
    long failed = clusterCounters().getUpstreamFailures() - before;
    System.out.printf(
        "%nPanicThresholdIT: %d GETs answered %s, %d failed tries%n", REQUESTS, answers, failed);
    return failed;
  }

  private TrafficCounters clusterCounters() {
    return NodeStats.named(NodeStats.of(node).getClustersList(), "clusters/web");
  }

  private Boolean healthy(TestBackend backend) {
    return node.endpointHealthy("clusters/web", backend.endpoint());
  }

  private void serve(int panicThresholdPercent) {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setPanicThresholdPercent(panicThresholdPercent)
            .setHealthCheck(
                HealthCheck.newBuilder()
                    .setInterval(Durations.fromMillis(300))
                    .setTimeout(Durations.fromMillis(200))
                    .setHealthyThreshold(1)
                    .setUnhealthyThreshold(1)
                    .setHttp(HealthCheck.Http.newBuilder().setPath(TestBackend.HEALTH_PATH)));
    for (TestBackend backend : backends) {
      cluster.addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.port()));
    }
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder().setClusterId("web").setCluster(cluster).build());
    Route route = Fleet.routeTo("/", "web");
    route = route.toBuilder().setForward(route.getForward().toBuilder().setMaxAttempts(3)).build();
    fleet.createRoute("web", route);
    fleet.awaitSynced();
  }

  /** The backend's name for a 200, else what the client got. */
  private String get(int i) {
    HttpResponse<String> response = Http.get(node.httpPort(), "/item?i=" + i);
    return response.statusCode() == 200
        ? response.body()
        : "status " + response.statusCode() + ": " + response.body();
  }
}
