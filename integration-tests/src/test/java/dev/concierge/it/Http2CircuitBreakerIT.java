package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.cluster.CircuitBreakerCounters;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acceptance of max_connections and max_pending_requests on HTTP2 (h2c) clusters: against a backend
 * that allows {@value #STREAMS} concurrent streams per connection and holds every request, a
 * cluster limited to one connection sends no more than {@value #STREAMS} requests at once, the next
 * one waits, and one over max_pending_requests is answered 503 at once.
 */
class Http2CircuitBreakerIT {
  private static final Logger LOG = LoggerFactory.getLogger(Http2CircuitBreakerIT.class);
  private static final String OVERFLOW = "x-concierge-overflow";
  private static final int STREAMS = 2;

  @TempDir Path dataDir;
  private Fleet fleet;
  private DataPlaneServer node;
  private HeldH2cBackend backend;

  @BeforeEach
  void setUp() throws Exception {
    backend = new HeldH2cBackend();
    fleet = Fleet.start(dataDir, 1);
    node = fleet.nodes().get(0);
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  /**
   * A Jetty backend speaking only h2c, at most {@value #STREAMS} streams per connection, that holds
   * each request until {@link #release()}; it counts connections opened, arrivals, and the most
   * requests it held at once.
   */
  private static final class HeldH2cBackend implements AutoCloseable {
    private final Server server = new Server();
    private final ServerConnector connector;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger arrived = new AtomicInteger();
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger mostInside = new AtomicInteger();
    private final List<Runnable> held = new ArrayList<>();
    private boolean released;

    HeldH2cBackend() throws Exception {
      HTTP2CServerConnectionFactory h2c =
          new HTTP2CServerConnectionFactory(new HttpConfiguration());
      h2c.setMaxConcurrentStreams(STREAMS);
      connector = new ServerConnector(server, h2c);
      connector.setHost("127.0.0.1");
      connector.addEventListener(
          new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
              connections.incrementAndGet();
            }
          });
      server.addConnector(connector);
      server.setHandler(
          new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(
                org.eclipse.jetty.server.Request request,
                org.eclipse.jetty.server.Response response,
                Callback callback) {
              mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
              arrived.incrementAndGet();
              Runnable answer =
                  () -> {
                    inside.decrementAndGet();
                    response.setStatus(200);
                    response.write(
                        true,
                        StandardCharsets.UTF_8.encode("h2c " + request.getHttpURI().getPath()),
                        callback);
                  };
              synchronized (held) {
                if (!released) {
                  held.add(answer);
                  return true;
                }
              }
              answer.run();
              return true;
            }
          });
      server.start();
    }

    int port() {
      return connector.getLocalPort();
    }

    void release() {
      List<Runnable> answers;
      synchronized (held) {
        released = true;
        answers = List.copyOf(held);
        held.clear();
      }
      answers.forEach(Runnable::run);
    }

    @Override
    public void close() {
      release();
      try {
        server.stop();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private void h2Cluster(String id, CircuitBreakers.Builder breakers) {
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId(id)
                .setCluster(
                    Cluster.newBuilder()
                        .setProtocol(Cluster.Protocol.HTTP2)
                        .addEndpoints(
                            Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.port()))
                        .setCircuitBreakers(breakers))
                .build());
  }

  private CompletableFuture<HttpResponse<String>> getAsync(String path) {
    return Http.sendAsync(Http.request(node.httpPort(), path).GET());
  }

  private CircuitBreakerCounters counts(String id) {
    return Objects.requireNonNull(node.circuitBreakerCounts("clusters/" + id), id);
  }

  private TrafficCounters clusterStats(String id) {
    return NodeStats.named(NodeStats.of(node).getClustersList(), "clusters/" + id);
  }

  @Test
  void requestsWaitForAStreamOfTheOneConnectionAndThoseOverMaxPendingAre503() throws Exception {
    h2Cluster("h2", CircuitBreakers.newBuilder().setMaxConnections(1).setMaxPendingRequests(1));
    fleet.createRoute("h2", "/", "h2");
    fleet.awaitSynced();

    // One at a time: while the first connection opens, its request is pending too.
    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 1; i <= STREAMS; i++) {
      sent.add(getAsync("/held-" + i));
      int arrivals = i;
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.arrived.get() == arrivals);
    }
    // Both streams of the one connection are busy: the next request waits in the node.
    sent.add(getAsync("/waits"));
    await().atMost(Duration.ofSeconds(10)).until(() -> counts("h2").pendingRequests() == 1);

    long start = System.nanoTime();
    HttpResponse<String> over = Http.get(node.httpPort(), "/over");
    long tookMicros = (System.nanoTime() - start) / 1_000;
    LOG.info("h2 max_pending_requests overflow answer (client round trip): {} us", tookMicros);
    assertThat(over.statusCode()).isEqualTo(503);
    assertThat(over.headers().firstValue(OVERFLOW)).hasValue("max_pending_requests");
    assertThat(over.body()).startsWith("circuit breaker: max_pending_requests of clusters/h2");
    assertThat(backend.arrived.get()).as("the waiter is not sent meanwhile").isEqualTo(STREAMS);
    assertThat(counts("h2").openConnections()).isOne();

    backend.release();
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      HttpResponse<String> response = f.get(10, TimeUnit.SECONDS);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }
    assertThat(backend.arrived.get()).isEqualTo(STREAMS + 1);
    assertThat(backend.connections.get()).as("one connection to the cluster").isOne();
    assertThat(backend.mostInside.get()).isEqualTo(STREAMS);
    assertThat(counts("h2").pendingRequests()).isZero();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(clusterStats("h2").getCircuitBreakerOverflows()).isOne());

    // The connection's place comes back when it closes.
    backend.close();
    await().atMost(Duration.ofSeconds(10)).until(() -> counts("h2").openConnections() == 0);
  }

  @Test
  void twoClustersNamingTheSameEndpointEachCountTheirOwnConnection() throws Exception {
    h2Cluster("a", CircuitBreakers.newBuilder().setMaxConnections(1));
    h2Cluster("b", CircuitBreakers.newBuilder().setMaxConnections(1));
    fleet.createRoute("a", "/a", "a");
    fleet.createRoute("b", "/b", "b");
    fleet.awaitSynced();

    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    sent.add(getAsync("/a/1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.arrived.get() == 1);
    sent.add(getAsync("/a/2"));
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.arrived.get() == 2);
    sent.add(getAsync("/a/3"));
    await().atMost(Duration.ofSeconds(10)).until(() -> counts("a").pendingRequests() == 1);
    // a's connection and its one place are taken; b has a place of its own for the same address.
    sent.add(getAsync("/b/1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.arrived.get() == 3);

    assertThat(counts("a").openConnections()).isOne();
    assertThat(counts("b").openConnections()).isOne();
    assertThat(backend.connections.get()).isEqualTo(2);
    backend.release();
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    assertThat(backend.arrived.get()).isEqualTo(4);
    assertThat(counts("a").pendingRequests()).isZero();
    assertThat(counts("b").pendingRequests()).isZero();
  }

  @Test
  void aPendingRequestThatTimesOutGivesItsPlaceBack() throws Exception {
    h2Cluster("h2", CircuitBreakers.newBuilder().setMaxConnections(1).setMaxPendingRequests(1));
    Route.Builder route = Fleet.routeTo("/", "h2").toBuilder();
    route.getForwardBuilder().setTimeout(Durations.fromSeconds(2));
    fleet.createRoute("h2", route.build());
    fleet.awaitSynced();

    List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
    for (int i = 1; i <= STREAMS; i++) {
      sent.add(getAsync("/held-" + i));
      int arrivals = i;
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.arrived.get() == arrivals);
    }
    sent.add(getAsync("/waits"));
    await().atMost(Duration.ofSeconds(10)).until(() -> counts("h2").pendingRequests() == 1);

    // The held ones and the waiting one all reach the route's timeout.
    for (CompletableFuture<HttpResponse<String>> f : sent) {
      assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(504);
    }
    assertThat(counts("h2").pendingRequests()).isZero();
    backend.release();
    // Neither the pending place nor the connection place leaked: the cluster serves again.
    assertThat(Http.get(node.httpPort(), "/after").statusCode()).isEqualTo(200);
    assertThat(counts("h2").openConnections()).isOne();
    assertThat(counts("h2").pendingRequests()).isZero();
  }
}
