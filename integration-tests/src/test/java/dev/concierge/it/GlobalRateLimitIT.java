package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GLOBAL rate limit across two real nodes sharing a real Redis (Debian's redis-server on
 * 127.0.0.1): both nodes hammered at once let the fleet's quota through in total, not each its own;
 * with Redis gone the limit fails open, and the nodes count the store errors. The counts of each
 * run are appended to target/redis/measured.txt.
 */
class GlobalRateLimitIT {
  private static final Duration HAMMER = Duration.ofSeconds(2);
  private static final int THREADS_PER_NODE = 4;

  @TempDir Path dataDir;
  private RedisServer redis;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer one;
  private DataPlaneServer two;

  @BeforeEach
  void setUp() throws Exception {
    redis = RedisServer.start();
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    one = fleet.startNode("n1", b -> b.redis(redis.uri(), null));
    two = fleet.startNode("n2", b -> b.redis(redis.uri(), null));
    fleet.createCluster("app", backend);
    fleet
        .api()
        .createPolicy(
            CreatePolicyRequest.newBuilder()
                .setPolicyId("fleet-wide")
                .setPolicy(
                    Policy.newBuilder()
                        .setRateLimit(
                            RateLimit.newBuilder()
                                .setRequests(100)
                                .setUnit(RateLimit.Unit.MINUTE)
                                .setKey(RateLimit.Key.ROUTE)
                                .setScope(RateLimit.Scope.GLOBAL)))
                .build());
    fleet.createRoute(
        "global",
        Fleet.routeTo("/global", "app").toBuilder().addPolicies("policies/fleet-wide").build());
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    try {
      if (fleet != null) {
        fleet.close();
      }
      if (backend != null) {
        backend.close();
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  /** What one node's hammering threads got. */
  private record Counts(AtomicInteger passed, AtomicInteger refused, AtomicInteger other) {
    Counts() {
      this(new AtomicInteger(), new AtomicInteger(), new AtomicInteger());
    }
  }

  @Test
  void twoNodesShareOneLimitAndFailOpenWhenRedisIsGone() throws Exception {
    Counts first = new Counts();
    Counts second = new Counts();
    AtomicReference<HttpResponse<String>> aRefusal = new AtomicReference<>();
    ExecutorService threads = Executors.newFixedThreadPool(2 * THREADS_PER_NODE);
    long started = System.nanoTime();
    Instant end = Instant.now().plus(HAMMER);
    List<Future<?>> running = new ArrayList<>();
    try {
      for (int i = 0; i < THREADS_PER_NODE; i++) {
        running.add(threads.submit(() -> hammer(one, end, first, aRefusal)));
        running.add(threads.submit(() -> hammer(two, end, second, aRefusal)));
      }
      for (Future<?> f : running) {
        f.get(HAMMER.toSeconds() + 30, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    int passed = first.passed().get() + second.passed().get();
    int refused = first.refused().get() + second.refused().get();
    record(
        String.format(
            "%s: %.2f s, 200s %d (n1 %d, n2 %d), 429s %d, other %d",
            Instant.now(),
            seconds,
            passed,
            first.passed().get(),
            second.passed().get(),
            refused,
            first.other().get() + second.other().get()));

    // The burst of 100, plus what 100 a minute refills while the nodes are hammered (3-4 in 2.x s).
    assertThat(passed).as("200s across both nodes").isBetween(95, 105);
    assertThat(first.passed().get()).as("n1's share").isPositive();
    assertThat(second.passed().get()).as("n2's share").isPositive();
    assertThat(refused).isGreaterThan(passed);
    assertThat(first.other().get() + second.other().get()).isZero();
    HttpResponse<String> refusal = aRefusal.get();
    assertThat(refusal.headers().firstValue("Retry-After")).isPresent();
    assertThat(refusal.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"fleet-wide\";q=100;w=60");
    double counted =
        NodeMetricsText.sum(
                NodeMetricsText.of(one),
                "concierge_rate_limited_total",
                "policy=\"policies/fleet-wide\"",
                "dry_run=\"false\"")
            + NodeMetricsText.sum(
                NodeMetricsText.of(two),
                "concierge_rate_limited_total",
                "policy=\"policies/fleet-wide\"",
                "dry_run=\"false\"");
    assertThat(counted).as("concierge_rate_limited_total on both nodes").isEqualTo(refused);

    redis.stop();
    // Fail open: once a node's last word from Redis ("none until T") has run out, it lets
    // requests through and counts each as a store error.
    for (DataPlaneServer node : List.of(one, two)) {
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> Http.get(node.httpPort(), "/global").statusCode() == 200);
      double before = storeErrors(node);
      for (int i = 0; i < 20; i++) {
        assertThat(Http.get(node.httpPort(), "/global").statusCode()).isEqualTo(200);
      }
      assertThat(storeErrors(node)).as("store errors of " + node.nodeId()).isGreaterThan(before);
      assertThat(storeErrors(node)).isGreaterThanOrEqualTo(20);
    }
  }

  private static void hammer(
      DataPlaneServer node,
      Instant end,
      Counts counts,
      AtomicReference<HttpResponse<String>> aRefusal) {
    while (Instant.now().isBefore(end)) {
      HttpResponse<String> response = Http.get(node.httpPort(), "/global");
      switch (response.statusCode()) {
        case 200 -> counts.passed().incrementAndGet();
        case 429 -> {
          counts.refused().incrementAndGet();
          aRefusal.compareAndSet(null, response);
        }
        default -> counts.other().incrementAndGet();
      }
    }
  }

  private static double storeErrors(DataPlaneServer node) {
    return NodeMetricsText.sum(NodeMetricsText.of(node), "concierge_rate_limit_store_errors_total");
  }

  private static void record(String line) throws Exception {
    Path file = Path.of("target", "redis", "measured.txt");
    Files.createDirectories(file.getParent());
    Files.writeString(
        file,
        line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }
}
