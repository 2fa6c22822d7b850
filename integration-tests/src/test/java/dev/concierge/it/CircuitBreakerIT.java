package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.RetryPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.DataPlaneServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acceptance of per-cluster circuit breaking through a real node: a slow backend (held on a latch)
 * fills a limit, the next requests are answered 503 at once with {@code x-concierge-overflow}, and
 * another cluster's route stays served meanwhile.
 */
class CircuitBreakerIT {
  private static final Logger LOG = LoggerFactory.getLogger(CircuitBreakerIT.class);
  private static final String OVERFLOW = "x-concierge-overflow";

  @TempDir Path dataDir;
  private final List<HeldBackend> backends = new ArrayList<>();
  private Fleet fleet;
  private DataPlaneServer node;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    node = fleet.nodes().get(0);
  }

  @AfterEach
  void tearDown() {
    backends.forEach(HeldBackend::close);
    fleet.close();
  }

  /**
   * A backend on 127.0.0.1:0 that holds the requests {@code held} picks until {@link #release()},
   * answers 503 to those {@code failed} picks, and 200 to the rest; it counts arrivals and the most
   * requests it had at once.
   */
  private static final class HeldBackend implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch latch = new CountDownLatch(1);
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();

    HeldBackend(Predicate<HttpExchange> held, Predicate<HttpExchange> failed) throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
      server.createContext(
          "/",
          exchange -> {
            int now = inside.incrementAndGet();
            mostInside.accumulateAndGet(now, Math::max);
            try (exchange;
                InputStream in = exchange.getRequestBody()) {
              in.transferTo(OutputStream.nullOutputStream());
              arrived.incrementAndGet();
              int status = failed.test(exchange) ? 503 : 200;
              if (held.test(exchange)) {
                latch.await(30, TimeUnit.SECONDS);
              }
              byte[] body = ("backend " + status).getBytes(StandardCharsets.UTF_8);
              inside.decrementAndGet();
              exchange.sendResponseHeaders(status, body.length);
              exchange.getResponseBody().write(body);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      server.setExecutor(executor);
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    void release() {
      latch.countDown();
    }

    @Override
    public void close() {
      release();
      server.stop(0);
      executor.shutdownNow();
    }
  }

  private HeldBackend backend(Predicate<HttpExchange> held, Predicate<HttpExchange> failed)
      throws IOException {
    HeldBackend backend = new HeldBackend(held, failed);
    backends.add(backend);
    return backend;
  }

  private void cluster(String id, HeldBackend backend, CircuitBreakers.Builder breakers) {
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId(id)
                .setCluster(
                    Cluster.newBuilder()
                        .addEndpoints(
                            Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.port()))
                        .setCircuitBreakers(breakers))
                .build());
  }

  private CompletableFuture<HttpResponse<String>> getAsync(String path) {
    return Http.sendAsync(Http.request(node.httpPort(), path).GET());
  }

  private TrafficCounters clusterStats(String id) {
    return NodeStats.named(NodeStats.of(node).getClustersList(), "clusters/" + id);
  }

  @Test
  void requestsOverMaxRequestsAre503AtOnceWhileAnotherClusterStaysServed() throws Exception {
    int limit = 4;
    int overflows = 20;
    HeldBackend slow = backend(exchange -> true, exchange -> false);
    HeldBackend fast = backend(exchange -> false, exchange -> false);
    cluster("slow", slow, CircuitBreakers.newBuilder().setMaxRequests(limit));
    fleet.createCluster("fast", fast.port());
    fleet.createRoute("slow", "/slow", "slow");
    fleet.createRoute("fast", "/fast", "fast");
    fleet.awaitSynced();

    List<CompletableFuture<HttpResponse<String>>> filling = new ArrayList<>();
    for (int i = 0; i < limit; i++) {
      filling.add(getAsync("/slow?fill=" + i));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> slow.arrived.get() == limit);

    long worstNanos = 0;
    long totalNanos = 0;
    for (int i = 0; i < overflows; i++) {
      long start = System.nanoTime();
      HttpResponse<String> over = Http.get(node.httpPort(), "/slow?over=" + i);
      long took = System.nanoTime() - start;
      worstNanos = Math.max(worstNanos, took);
      totalNanos += took;
      assertThat(over.statusCode()).isEqualTo(503);
      assertThat(over.headers().firstValue(OVERFLOW)).hasValue("max_requests");
      assertThat(over.body()).startsWith("circuit breaker: max_requests of clusters/slow reached");
      assertThat(Http.get(node.httpPort(), "/fast?i=" + i).statusCode()).isEqualTo(200);
    }
    LOG.info(
        "circuit breaker overflow answer (client round trip, keep-alive): mean {} us, worst {} us"
            + " over {} requests",
        totalNanos / overflows / 1_000,
        worstNanos / 1_000,
        overflows);
    assertThat(slow.arrived.get()).isEqualTo(limit);

    slow.release();
    for (CompletableFuture<HttpResponse<String>> f : filling) {
      assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    // The places came back: the cluster takes requests again.
    assertThat(Http.get(node.httpPort(), "/slow?after").statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              assertThat(clusterStats("slow").getCircuitBreakerOverflows()).isEqualTo(overflows);
              assertThat(clusterStats("fast").getCircuitBreakerOverflows()).isZero();
            });
  }

  @Test
  void requestsWaitForTheOneConnectionAndThoseOverMaxPendingAre503() throws Exception {
    HeldBackend slow = backend(exchange -> true, exchange -> false);
    cluster(
        "one", slow, CircuitBreakers.newBuilder().setMaxConnections(1).setMaxPendingRequests(1));
    fleet.createRoute("one", "/", "one");
    fleet.awaitSynced();

    CompletableFuture<HttpResponse<String>> first = getAsync("/first");
    await().atMost(Duration.ofSeconds(10)).until(() -> slow.arrived.get() == 1);
    // Two more: one waits for the connection, the other finds the queue full.
    List<CompletableFuture<HttpResponse<String>>> more =
        List.of(getAsync("/second"), getAsync("/third"));
    HttpResponse<?> overflowed =
        (HttpResponse<?>)
            CompletableFuture.anyOf(more.get(0), more.get(1)).get(10, TimeUnit.SECONDS);
    assertThat(overflowed.statusCode()).isEqualTo(503);
    assertThat(overflowed.headers().firstValue(OVERFLOW)).hasValue("max_pending_requests");
    assertThat(slow.arrived.get()).as("the waiter is not sent meanwhile").isEqualTo(1);

    slow.release();
    assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    List<Integer> statuses = new ArrayList<>();
    for (CompletableFuture<HttpResponse<String>> f : more) {
      statuses.add(f.get(10, TimeUnit.SECONDS).statusCode());
    }
    assertThat(statuses).as("the waiter got the connection").containsExactlyInAnyOrder(200, 503);
    assertThat(slow.arrived.get()).isEqualTo(2);
    assertThat(slow.mostInside.get()).as("one connection, one request at a time").isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(clusterStats("one").getCircuitBreakerOverflows()).isOne());
  }

  @Test
  void aRetryOverMaxRetriesIsNotMadeAndTheFailedAnswerIsRelayed() throws Exception {
    // The first try of each request is answered 503; a retry (the second arrival of its key)
    // is held, so it keeps its max_retries place.
    Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
    Predicate<HttpExchange> firstOfKey =
        exchange ->
            seen.computeIfAbsent(exchange.getRequestURI().getPath(), k -> new AtomicInteger())
                    .incrementAndGet()
                == 1;
    Map<HttpExchange, Boolean> first = new ConcurrentHashMap<>();
    HeldBackend flaky =
        backend(
            exchange -> !first.get(exchange),
            exchange -> {
              boolean isFirst = firstOfKey.test(exchange);
              first.put(exchange, isFirst);
              return isFirst;
            });
    cluster("flaky", flaky, CircuitBreakers.newBuilder().setMaxRetries(1));
    Route.Builder route = Fleet.routeTo("/", "flaky").toBuilder();
    route
        .getForwardBuilder()
        .setMaxAttempts(2)
        .setRetryPolicy(
            RetryPolicy.newBuilder()
                .addRetryOn(RetryPolicy.RetryOn.STATUS_503)
                .setBackoffBase(Durations.fromMillis(1)));
    fleet.createRoute("flaky", route.build());
    fleet.awaitSynced();

    CompletableFuture<HttpResponse<String>> retried = getAsync("/a");
    await().atMost(Duration.ofSeconds(10)).until(() -> flaky.arrived.get() == 2);

    HttpResponse<String> notRetried = Http.get(node.httpPort(), "/b");
    assertThat(notRetried.statusCode()).isEqualTo(503);
    assertThat(notRetried.body()).isEqualTo("backend 503");
    assertThat(notRetried.headers().firstValue(OVERFLOW)).isEmpty();
    assertThat(flaky.arrived.get()).as("no retry of /b").isEqualTo(3);

    flaky.release();
    assertThat(retried.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              TrafficCounters stats = clusterStats("flaky");
              assertThat(stats.getCircuitBreakerOverflows()).isOne();
              assertThat(stats.getRetries()).isOne();
            });
  }
}
