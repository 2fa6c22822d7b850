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
import java.util.concurrent.TimeUnit;
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
  private static final int BATCH = 100;
  private static final int MAX_BATCHES = 5_000;

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

    // Batches until the window is surely over (bounded: the loop is the wait, never a sleep),
    // each filed under the third of the window it ended in.
    long windowNanos = WINDOW.toNanos();
    List<List<Double>> thirds = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<String> bySecond = new ArrayList<>();
    double first = -1;
    for (int batch = 0; batch < MAX_BATCHES; batch++) {
      double share = shareOf("backend-b");
      long elapsed = System.nanoTime() - rampSeen;
      if (elapsed >= windowNanos + TimeUnit.SECONDS.toNanos(1)) {
        break;
      }
      first = first < 0 ? share : first;
      if (elapsed < windowNanos) {
        thirds.get((int) (elapsed * 3 / windowNanos)).add(share);
        int second = (int) TimeUnit.NANOSECONDS.toSeconds(elapsed);
        if (bySecond.size() <= second) {
          bySecond.add(String.format("%ds: %.2f", second, share));
        }
      }
    }
    double last = shareOf("backend-b");
    System.out.printf(
        "%nSlowStartIT first share of each second of the window: %s; after it %.2f%n",
        bySecond, last);

    assertThat(first).as("first batch").isBetween(0.0, 0.3);
    assertThat(thirds).as("batches in each third of the window").allMatch(t -> !t.isEmpty());
    assertThat(mean(thirds.get(0)))
        .as("first third vs middle third")
        .isLessThan(mean(thirds.get(1)));
    assertThat(mean(thirds.get(1))).as("middle third vs last").isLessThan(mean(thirds.get(2)));
    assertThat(mean(thirds.get(0))).as("first third").isBetween(0.05, 0.3);
    assertThat(mean(thirds.get(2))).as("last third").isBetween(0.3, 0.55);
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
