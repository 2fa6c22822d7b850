package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import com.sun.net.httpserver.HttpServer;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.cli.ConciergeCommand;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code concierge endpoint drain|undrain} under a steady stream of requests over three backends,
 * with slow requests in flight, and an endpoint removed by a cluster update while a slow request is
 * in flight on it: no request fails, and what was in flight finishes.
 */
class EndpointDrainIT {
  private static final Duration SLOW = Duration.ofSeconds(2);
  private static final int CLIENTS = 4;

  @TempDir Path dataDir;
  @TempDir Path home;
  private Fleet fleet;
  private int port;
  private final List<Backend> backends = new ArrayList<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private final List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
  private ExecutorService clients;

  /** A backend that counts what arrives; {@code /slow} takes {@link #SLOW} to answer. */
  static final class Backend implements AutoCloseable {
    final String name;
    final HttpServer server;
    final AtomicInteger arrived = new AtomicInteger();
    final AtomicInteger slowInFlight = new AtomicInteger();

    Backend(String name) throws IOException {
      this.name = name;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
      server.createContext(
          "/",
          exchange -> {
            arrived.incrementAndGet();
            boolean isSlow = exchange.getRequestURI().getPath().startsWith("/slow");
            if (isSlow) {
              slowInFlight.incrementAndGet();
              // A slow backend, not a test waiting: this answer takes that long.
              LockSupport.parkNanos(SLOW.toNanos());
            }
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
              out.write(body);
            }
            if (isSlow) {
              slowInFlight.decrementAndGet();
            }
          });
      server.setExecutor(Executors.newFixedThreadPool(32));
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    String address() {
      return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
      server.stop(0);
      ((ExecutorService) server.getExecutor()).shutdownNow();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    port = fleet.nodes().get(0).httpPort();
    for (String name : List.of("a", "b", "c")) {
      backends.add(new Backend(name));
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    stop.set(true);
    if (clients != null) {
      clients.shutdownNow();
      clients.awaitTermination(10, TimeUnit.SECONDS);
    }
    fleet.close();
    backends.forEach(Backend::close);
  }

  private String cli(String... args) {
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("CONCIERGE_CONFIG", home.resolve("cli-config").toString());
    env.put("CONCIERGE_SERVER", fleet.controlPlaneAddress());
    env.put("CONCIERGE_CA_FILE", fleet.caFile().toString());
    env.put("CONCIERGE_TOKEN", fleet.controlPlane().adminToken());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as(err.toString()).isZero();
    return out.toString();
  }

  /** Client threads sending GET /fast in a bounded loop; every failure is recorded. */
  private void startLoad() {
    clients = Executors.newFixedThreadPool(CLIENTS);
    for (int t = 0; t < CLIENTS; t++) {
      // Failures are recorded, not thrown: the future has nothing to tell.
      var unused =
          clients.submit(
              () -> {
                for (int i = 0; i < 200_000 && !stop.get(); i++) {
                  try {
                    HttpResponse<String> r = Http.get(port, "/fast");
                    if (r.statusCode() != 200) {
                      failures.add("status " + r.statusCode() + ": " + r.body());
                    }
                  } catch (UncheckedIOException e) {
                    failures.add(e.toString());
                  }
                }
              });
    }
  }

  /** Sends slow requests until one is in flight on {@code target}. */
  private void slowRequestInFlightOn(Backend target) {
    for (int i = 0; i < 30 && target.slowInFlight.get() == 0; i++) {
      slow.add(Http.sendAsync(Http.request(port, "/slow/" + i)));
      int sent = slow.size();
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> backends.stream().mapToInt(b -> b.slowInFlight.get()).sum() >= sent);
    }
    assertThat(target.slowInFlight.get())
        .as("a slow request in flight on " + target.name)
        .isPositive();
  }

  private int othersArrived(Backend except) {
    return backends.stream().filter(b -> b != except).mapToInt(b -> b.arrived.get()).sum();
  }

  /** Waits until the other backends have taken {@code n} more requests. */
  private void awaitTrafficElsewhere(Backend except, int n) {
    int from = othersArrived(except);
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> othersArrived(except) >= from + n);
  }

  private void assertSlowRequestsAllSucceed() throws Exception {
    for (CompletableFuture<HttpResponse<String>> f : slow) {
      HttpResponse<String> response = f.get(20, TimeUnit.SECONDS);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
  }

  @Test
  void drainUnderLoadLosesNothingAndUndrainBringsTrafficBack() throws Exception {
    Cluster.Builder cluster = Cluster.newBuilder();
    backends.forEach(
        b -> cluster.addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(b.port())));
    fleet
        .api()
        .createCluster(
            dev.concierge.api.v1.CreateClusterRequest.newBuilder()
                .setClusterId("web")
                .setCluster(cluster)
                .build());
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();
    Backend drained = backends.get(1);
    startLoad();
    awaitTrafficElsewhere(drained, 100);
    slowRequestInFlightOn(drained);

    assertThat(cli("endpoint", "drain", "web", drained.address())).contains("is now draining");
    fleet.awaitSynced();

    assertThat(cli("cluster", "get", "web")).contains(drained.address() + ",draining");
    // The node reports the change at once; the control plane's fleet view shows it.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(cli("cluster", "health", "web"))
                    .containsPattern(
                        java.util.regex.Pattern.quote(drained.address())
                            + "\\s+node-1\\s+draining"));
    // Requests picked before the swap may still be arriving; after that, none more.
    awaitTrafficElsewhere(drained, 100);
    int settled = drained.arrived.get();
    awaitTrafficElsewhere(drained, 500);
    assertThat(drained.arrived.get()).as("new requests to the drained endpoint").isEqualTo(settled);
    assertSlowRequestsAllSucceed();
    assertThat(drained.slowInFlight.get()).isZero();

    assertThat(cli("endpoint", "undrain", "web", drained.address())).contains("is now in rotation");
    fleet.awaitSynced();
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> drained.arrived.get() >= settled + 50);

    stop.set(true);
    clients.shutdown();
    assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    assertThat(failures).isEmpty();
  }

  @Test
  void endpointRemovedByAnUpdateFinishesItsRequestInFlight() throws Exception {
    Backend kept = backends.get(0);
    Backend removed = backends.get(1);
    fleet.createCluster("web", kept.port(), removed.port());
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();
    startLoad();
    slowRequestInFlightOn(removed);

    Cluster current =
        fleet.api().getCluster(GetClusterRequest.newBuilder().setName("clusters/web").build());
    fleet
        .api()
        .updateCluster(
            UpdateClusterRequest.newBuilder()
                .setCluster(
                    current.toBuilder()
                        .clearEndpoints()
                        .addEndpoints(
                            Endpoint.newBuilder().setHost("127.0.0.1").setPort(kept.port())))
                .setUpdateMask(FieldMask.newBuilder().addPaths("endpoints"))
                .build());
    fleet.awaitSynced();

    assertSlowRequestsAllSucceed();
    awaitTrafficElsewhere(removed, 100);
    int settled = removed.arrived.get();
    awaitTrafficElsewhere(removed, 300);
    assertThat(removed.arrived.get()).isEqualTo(settled);
    stop.set(true);
    clients.shutdown();
    assertThat(clients.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    assertThat(failures).isEmpty();
  }
}
