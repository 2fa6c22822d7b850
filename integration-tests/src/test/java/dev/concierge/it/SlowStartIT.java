package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.api.v1.SlowStart;
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

/**
 * Slow start through a real node: of two backends under round robin with a 12 s window (min weight
 * 10 %), one is restarted and found healthy again by active checks; its share of a bounded loop of
 * GETs, counted in batches, starts near 0.1 / 1.1, grows, and is about half once the window is
 * over. The node's ramp runs on its real clock, so the bounds are wide and only ordering is
 * asserted beyond them.
 */
class SlowStartIT {
  private static final Duration WINDOW = Duration.ofSeconds(12);
  private static final int BATCH = 30;
  private static final int MAX_BATCHES = 400;

  @TempDir Path dataDir;
  private final List<TestBackend> backends = new ArrayList<>();
  private Fleet fleet;
  private DataPlaneServer node;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    node = fleet.nodes().get(0);
    for (String name : List.of("backend-a", "backend-b")) {
      backends.add(TestBackend.start(name));
    }
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backends.forEach(TestBackend::close);
  }

  @Test
  void aRestartedBackendsShareGrowsOverTheWindow() throws Exception {
    serve();
    assertThat(shareOf("backend-b")).isBetween(0.45, 0.55); // no ramp at the first config
    TestBackend b = backends.get(1);
    int port = b.port();
    b.close();
    await().atMost(Duration.ofSeconds(5)).until(() -> Boolean.FALSE.equals(healthy(b)));

    TestBackend restarted = TestBackend.start("backend-b", port);
    backends.set(1, restarted);
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Boolean.TRUE.equals(healthy(restarted)));
    long rampSeen = System.nanoTime();

    List<Double> shares = new ArrayList<>();
    // Batches until the window is surely over (bounded: the loop is the wait, never a sleep).
    while (System.nanoTime() - rampSeen < WINDOW.plusSeconds(1).toNanos()
        && shares.size() < MAX_BATCHES) {
      shares.add(shareOf("backend-b"));
    }
    double last = shareOf("backend-b");
    System.out.printf(
        "%nSlowStartIT shares by batch of %d: %s, then %.2f%n",
        BATCH, shares.stream().map(x -> String.format("%.2f", x)).toList(), last);

    assertThat(shares.size()).as("batches in the window").isGreaterThanOrEqualTo(4);
    assertThat(shares.get(0)).as("first batch").isLessThan(0.3);
    int half = shares.size() / 2;
    double early = mean(shares.subList(0, half));
    double late = mean(shares.subList(half, shares.size()));
    assertThat(late).as("second half of the window vs first").isGreaterThan(early + 0.05);
    assertThat(last).as("after the window").isBetween(0.45, 0.55);
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  /** The share of {@link #BATCH} GETs answered by {@code name}; every one must be a 200. */
  private double shareOf(String name) {
    int hits = 0;
    for (int i = 0; i < BATCH; i++) {
      HttpResponse<String> response = Http.get(node.httpPort(), "/item?i=" + i);
      assertThat(response.statusCode()).as("GET %d: %s", i, response.body()).isEqualTo(200);
      if (response.body().equals(name)) {
        hits++;
      }
    }
    return hits / (double) BATCH;
  }

  private Boolean healthy(TestBackend backend) {
    return node.endpointHealthy("clusters/web", backend.endpoint());
  }

  private void serve() {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setSlowStart(
                SlowStart.newBuilder()
                    .setWindow(Durations.fromMillis(WINDOW.toMillis()))
                    .setMinWeightPercent(10))
            .setHealthCheck(
                HealthCheck.newBuilder()
                    .setInterval(Durations.fromMillis(200))
                    .setTimeout(Durations.fromMillis(150))
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
    var route = Fleet.routeTo("/", "web");
    route = route.toBuilder().setForward(route.getForward().toBuilder().setMaxAttempts(3)).build();
    fleet.createRoute("web", route);
    fleet.awaitSynced();
  }
}
