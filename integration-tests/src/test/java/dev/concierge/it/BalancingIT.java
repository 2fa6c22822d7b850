package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.WeightedCluster;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Balancing policies and priority failover through a real node to real backends. */
class BalancingIT {
  @TempDir Path dataDir;
  private final List<TestBackend> backends = new ArrayList<>();
  private Fleet fleet;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    port = fleet.nodes().get(0).httpPort();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backends.forEach(TestBackend::close);
  }

  private TestBackend backend(String name) throws Exception {
    TestBackend backend = TestBackend.start(name);
    backends.add(backend);
    return backend;
  }

  private static Endpoint.Builder endpoint(TestBackend backend) {
    return Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.port());
  }

  /** Creates cluster {@code id} and a route to it at "/{id}" with three attempts. */
  private void serve(String id, Cluster.Builder cluster) {
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder().setClusterId(id).setCluster(cluster).build());
    Route route = Fleet.routeTo("/" + id, id);
    fleet.createRoute(
        id, route.toBuilder().setForward(route.getForward().toBuilder().setMaxAttempts(3)).build());
    fleet.awaitSynced();
  }

  /** The backend that answered, or the status and body of anything else. */
  private String get(String path, String... headers) {
    var request = Http.request(port, path);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> response = Http.send(request);
    return response.statusCode() == 200
        ? response.body()
        : "status " + response.statusCode() + ": " + response.body();
  }

  @Test
  void leastRequestSendsLessToASlowBackend() throws Exception {
    TestBackend fast = backend("fast");
    TestBackend slow = backend("slow");
    slow.slowBy(Duration.ofMillis(50));
    serve(
        "lr",
        Cluster.newBuilder()
            .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
            .addEndpoints(endpoint(fast))
            .addEndpoints(endpoint(slow)));

    Map<String, Integer> counts = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      for (int t = 0; t < 8; t++) {
        clients.execute(
            () -> {
              while (next.getAndIncrement() < 800) {
                counts.merge(get("/lr"), 1, Integer::sum);
              }
            });
      }
    } finally {
      clients.shutdown();
    }
    assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

    assertThat(counts.keySet()).as("answers: %s", counts).containsOnly("fast", "slow");
    // Round robin gives each exactly half. Least request evens out requests in flight, so the slow
    // one gets about fast latency / (fast latency + 50 ms) of them: ~10 % on an idle machine, a
    // third when a busy 2-core machine makes the fast path ~20 ms.
    assertThat(counts.get("slow")).as("answers: %s", counts).isLessThan(800 * 2 / 5);
  }

  @Test
  void blueGreenIsOneWeightFlip() throws Exception {
    fleet.createCluster("blue", backend("blue"));
    fleet.createCluster("green", backend("green"));
    Route route = Fleet.routeTo("/bg", "blue");
    ForwardAction blueLive =
        route.getForward().toBuilder()
            .addClusters(WeightedCluster.newBuilder().setCluster("clusters/green").setWeight(0))
            .build();
    Route created = fleet.createRoute("bg", route.toBuilder().setForward(blueLive).build());
    fleet.awaitSynced();
    for (int i = 0; i < 50; i++) {
      assertThat(get("/bg")).isEqualTo("blue");
    }

    ForwardAction greenLive =
        blueLive.toBuilder()
            .setClusters(0, blueLive.getClusters(0).toBuilder().setWeight(0))
            .setClusters(1, blueLive.getClusters(1).toBuilder().clearWeight())
            .build();
    fleet
        .api()
        .updateRoute(
            UpdateRouteRequest.newBuilder()
                .setRoute(created.toBuilder().setForward(greenLive))
                .setUpdateMask(FieldMask.newBuilder().addPaths("forward"))
                .build());
    fleet.awaitSynced();
    for (int i = 0; i < 50; i++) {
      assertThat(get("/bg")).isEqualTo("green");
    }
  }

  @Test
  void randomSpreadsByWeight() throws Exception {
    serve(
        "random",
        Cluster.newBuilder()
            .setLbPolicy(Cluster.LbPolicy.RANDOM)
            .addEndpoints(endpoint(backend("one")))
            .addEndpoints(endpoint(backend("three")).setWeight(3)));

    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 800; i++) {
      counts.merge(get("/random"), 1, Integer::sum);
    }

    assertThat(counts.keySet()).as("answers: %s", counts).containsOnly("one", "three");
    // Expected 200 of 800 for weight 1 of 4; a draw outside 140-260 is 4.9 sigma away.
    assertThat(counts.get("one")).as("answers: %s", counts).isBetween(140, 260);
  }

  @Test
  void ringHashOnAHeaderKeepsAKeyOnOneBackend() throws Exception {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setLbPolicy(Cluster.LbPolicy.RING_HASH)
            .setHashPolicy(Cluster.HashPolicy.newBuilder().setHeader("x-user"));
    for (String name : List.of("a", "b", "c")) {
      cluster.addEndpoints(endpoint(backend(name)));
    }
    serve("ring", cluster);

    Map<String, String> owner = new HashMap<>();
    for (int user = 0; user < 30; user++) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        seen.add(get("/ring", "x-user", "user-" + user));
      }
      assertThat(seen).as("backends of user-%s", user).hasSize(1);
      owner.put("user-" + user, seen.iterator().next());
    }
    assertThat(new HashSet<>(owner.values())).as("keys spread").containsOnly("a", "b", "c");
    Set<String> withoutKey = new HashSet<>();
    for (int i = 0; i < 60; i++) {
      withoutKey.add(get("/ring"));
    }
    assertThat(withoutKey).as("no key: random").hasSizeGreaterThan(1);
  }

  @Test
  void maglevOnACookieKeepsAKeyOnOneBackend() throws Exception {
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setLbPolicy(Cluster.LbPolicy.MAGLEV)
            .setHashPolicy(Cluster.HashPolicy.newBuilder().setCookie("sid"));
    for (String name : List.of("a", "b", "c")) {
      cluster.addEndpoints(endpoint(backend(name)));
    }
    serve("maglev", cluster);

    Set<String> owners = new HashSet<>();
    for (int user = 0; user < 30; user++) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        seen.add(get("/maglev", "cookie", "theme=dark; sid=s" + user));
      }
      assertThat(seen).as("backends of s%s", user).hasSize(1);
      owners.addAll(seen);
    }
    assertThat(owners).containsOnly("a", "b", "c");
  }

  @Test
  void trafficFailsOverToTheNextPriorityAndComesBack() throws Exception {
    TestBackend primary = backend("primary");
    TestBackend backup = backend("backup");
    int primaryPort = primary.port();
    serve(
        "failover",
        Cluster.newBuilder()
            .addEndpoints(endpoint(primary))
            .addEndpoints(endpoint(backup).setPriority(1)));

    for (int i = 0; i < 20; i++) {
      assertThat(get("/failover")).isEqualTo("primary");
    }

    primary.close();
    // Every request is answered: a refused try is made again on the backup, and after five
    // refusals the primary is ejected, so tries go to the backup straight away.
    for (int i = 0; i < 40; i++) {
      assertThat(get("/failover")).isEqualTo("backup");
    }
    int backupBefore = backup.requests();
    assertThat(backupBefore).isEqualTo(40);

    TestBackend back = TestBackend.start("primary", primaryPort);
    backends.add(back);
    // The ejection (10 s) runs out and the primary takes the traffic again.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> get("/failover").equals("primary"));
    for (int i = 0; i < 20; i++) {
      assertThat(get("/failover")).isEqualTo("primary");
    }
  }
}
