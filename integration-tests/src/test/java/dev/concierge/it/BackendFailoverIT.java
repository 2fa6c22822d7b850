package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.DataPlaneServer;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: no client sees a refused or reset backend that another endpoint could stand in for.
 */
class BackendFailoverIT {
  private static final int REQUESTS = 3_000;
  private static final int KILL_AFTER = 600;
  private static final int CLIENTS = 4;
  private static final int SHOWN_FAILURES = 20;

  @TempDir Path dataDir;
  private final List<BackendProcess> backends = new ArrayList<>();
  private Fleet fleet;
  private DataPlaneServer node;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    node = fleet.nodes().get(0);
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backends.forEach(BackendProcess::close);
  }

  private List<BackendProcess> startBackends(String... names) throws Exception {
    List<BackendProcess> started = BackendProcess.start(names);
    backends.addAll(started);
    return started;
  }

  @Test
  void everyGetIsAnsweredWhileABackendIsKilled() throws Exception {
    List<BackendProcess> started = startBackends("backend-a", "backend-b", "backend-c");
    BackendProcess victim = started.get(1);
    fleet.createCluster("web", started.stream().mapToInt(BackendProcess::port).toArray());
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();

    AtomicInteger next = new AtomicInteger();
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger fromVictim = new AtomicInteger();
    AtomicBoolean killed = new AtomicBoolean();
    AtomicInteger failureCount = new AtomicInteger();
    Queue<String> failures = new ConcurrentLinkedQueue<>();
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      for (int t = 0; t < CLIENTS; t++) {
        clients.execute(
            () -> {
              for (int i = next.getAndIncrement(); i < REQUESTS; i = next.getAndIncrement()) {
                String outcome = get(i);
                if (outcome.equals(victim.name())) {
                  fromVictim.incrementAndGet();
                } else if (!outcome.startsWith("backend-")
                    && failureCount.incrementAndGet() <= SHOWN_FAILURES) {
                  failures.add(
                      "request " + i + (killed.get() ? " (after the kill): " : ": ") + outcome);
                }
                if (completed.incrementAndGet() == KILL_AFTER
                    && killed.compareAndSet(false, true)) {
                  victim.kill();
                }
              }
            });
      }
    } finally {
      clients.shutdown();
    }
    assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).as("clients finished").isTrue();

    assertThat(failureCount.get())
        .as("answers other than 200 from a backend, first: %s", failures)
        .isZero();
    assertThat(completed.get()).isEqualTo(REQUESTS);
    assertThat(killed.get()).isTrue();
    assertThat(victim.ended(Duration.ofSeconds(5))).as("the victim is dead").isTrue();
    assertThat(fromVictim.get()).as("answers of the victim before the kill").isPositive();
    // The kill was noticed and hidden: at least one try failed and was made again elsewhere.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              TrafficCounters web =
                  NodeStats.named(NodeStats.of(node).getClustersList(), "clusters/web");
              assertThat(web.getRequests()).isEqualTo(REQUESTS);
              assertThat(web.getResponses2Xx()).isEqualTo(REQUESTS);
              assertThat(web.getUpstreamFailures()).isPositive();
              assertThat(web.getRetries()).isPositive();
            });
  }

  /** The backend's name for a 200, else a description of what the client got. */
  private String get(int i) {
    try {
      HttpResponse<String> response = Http.get(node.httpPort(), "/item?i=" + i);
      return response.statusCode() == 200
          ? response.body()
          : "status " + response.statusCode() + ": " + response.body();
    } catch (UncheckedIOException e) {
      return "io error: " + e.getCause();
    }
  }

  @Test
  void aPostCutByAKilledBackendIsAnswered502AndNotReplayed() throws Exception {
    List<BackendProcess> started = startBackends("hanging", "healthy");
    BackendProcess hanging = started.get(0);
    BackendProcess healthy = started.get(1);
    // A fresh cluster's round robin starts at its first endpoint: the first request hangs.
    fleet.createCluster("hang", hanging.port(), healthy.port());
    fleet.createRoute("hang", "/hang", "hang");
    fleet.awaitSynced();

    CompletableFuture<HttpResponse<String>> answer =
        Http.sendAsync(
            Http.request(node.httpPort(), "/hang")
                .POST(HttpRequest.BodyPublishers.ofString("order=42")));
    hanging.awaitPrinted("got-post");
    hanging.kill();
    HttpResponse<String> response = answer.get(10, TimeUnit.SECONDS);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(502);
    assertThat(response.body()).startsWith("upstream connection reset\nrequest-id: ");
    assertThat(healthy.posts()).as("POSTs replayed on the healthy backend").isZero();
  }
}
