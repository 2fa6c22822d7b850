package dev.concierge.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.PolicySet;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.server.NodeErrorHandler;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The outermost stage counts every answer once, where the request ended up, with its latency. */
class StatsHandlerTest {
  private final TrafficStats stats = new TrafficStats();
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final AtomicReference<RequestContext> seen = new AtomicReference<>();
  private final AtomicLong ended = new AtomicLong();
  private Server server;
  private LocalConnector local;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    local = new LocalConnector(server);
    server.addConnector(local);
    Handler stage =
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback)
              throws Exception {
            clock.addAndGet(2_500_000); // every answer takes 2.5 ms on the injected clock
            RequestContext context = RequestContext.of(request);
            switch (Request.getPathInContext(request)) {
              case "/routed" -> {
                context.route("routes/r", PolicySet.empty(), stats.route("routes/r"));
                context.cluster("clusters/c", stats.cluster("clusters/c"));
                seen.set(context);
                context.upstreamFailure();
                context.retried();
                Content.Sink.write(response, true, "ok", callback);
              }
              case "/upstream" -> {
                context.route("routes/r", PolicySet.empty(), stats.route("routes/r"));
                context.cluster("clusters/c", stats.cluster("clusters/c"));
                seen.set(context);
                context.upstreamStarted(() -> "10.0.0.1:8080");
                clock.addAndGet(1_000_000);
                ended.set(context.upstreamEnded());
                Content.Source.consumeAll(request);
                Content.Sink.write(response, true, "hello", callback);
              }
              case "/fails" -> {
                context.route("routes/r", PolicySet.empty(), stats.route("routes/r"));
                callback.failed(new IllegalStateException("boom"));
              }
              default -> ErrorAnswers.write(request, response, callback, 404, "no route");
            }
            return true;
          }
        };
    server.setHandler(new StatsHandler(stats, clock::get, stage));
    server.setErrorHandler(new NodeErrorHandler(stats.unrouted()));
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private String get(String path) throws Exception {
    return local.getResponse("GET " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  }

  private TrafficCounters route() {
    return stats.routeCounters().stream()
        .filter(c -> c.getName().equals("routes/r"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void countsAnswersWithoutARouteAsUnrouted() throws Exception {
    assertThat(get("/nowhere")).startsWith("HTTP/1.1 404").contains("no route\nrequest-id: ");
    assertThat(get("/nowhere")).startsWith("HTTP/1.1 404");

    // The answer is counted when its write completes, which may be just after the client read it.
    await().atMost(Duration.ofSeconds(5)).until(() -> stats.unroutedCounters().getRequests() == 2);
    TrafficCounters unrouted = stats.unroutedCounters();
    assertThat(unrouted.getRequests()).isEqualTo(2);
    assertThat(unrouted.getResponses4Xx()).isEqualTo(2);
    assertThat(unrouted.getLatencyCount()).isEqualTo(2);
    assertThat(stats.routeCounters()).isEmpty();
  }

  @Test
  void countsRoutedAnswersOnRouteAndClusterWithLatencyRetriesAndFailures() throws Exception {
    assertThat(get("/routed")).startsWith("HTTP/1.1 200");

    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                stats.routeCounters().size() == 1
                    && route().getRequests() == 1
                    && stats.clusterCounters().size() == 1
                    && stats.clusterCounters().get(0).getRequests() == 1);
    TrafficCounters route = route();
    assertThat(route.getRequests()).isEqualTo(1);
    assertThat(route.getResponses2Xx()).isEqualTo(1);
    assertThat(route.getRetries()).isEqualTo(1);
    assertThat(route.getUpstreamFailures()).isEqualTo(1);
    assertThat(route.getLatencyCount()).isEqualTo(1);
    assertThat(route.getLatencyP50Us()).isBetween(2475L, 2525L); // 2 significant digits
    TrafficCounters cluster = stats.clusterCounters().get(0);
    assertThat(cluster.getName()).isEqualTo("clusters/c");
    assertThat(cluster.getRequests()).isEqualTo(1);
    assertThat(stats.unroutedCounters().getRequests()).isZero();
  }

  @Test
  void keepsClusterUpstreamTryAndBodyBytesForTheAccessLog() throws Exception {
    String response =
        local.getResponse(
            "POST /upstream HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n"
                + "Connection: close\r\n\r\npayload");
    assertThat(response).startsWith("HTTP/1.1 200").endsWith("hello");

    await().atMost(Duration.ofSeconds(5)).until(() -> !stats.routeCounters().isEmpty());
    RequestContext context = seen.get();
    assertThat(context.clusterName()).isEqualTo("clusters/c");
    assertThat(context.upstreamAddress()).isEqualTo("10.0.0.1:8080");
    assertThat(ended.get()).isEqualTo(1_000_000);
    assertThat(context.upstreamNanos()).isEqualTo(1_000_000);
    assertThat(context.bytesIn()).isEqualTo(7);
    assertThat(context.bytesOut()).isEqualTo(5);
  }

  @Test
  void hasNoUpstreamFiguresWithoutATry() throws Exception {
    assertThat(get("/routed")).startsWith("HTTP/1.1 200");

    RequestContext context = seen.get();
    assertThat(context.upstreamAddress()).isNull();
    assertThat(context.upstreamNanos()).isEqualTo(-1);
    assertThat(context.upstreamEnded()).isEqualTo(-1);
  }

  @Test
  void countsAFailureBeforeCommitAs500Once() throws Exception {
    assertThat(get("/fails")).startsWith("HTTP/1.1 500").contains("internal error\nrequest-id: ");

    await().atMost(Duration.ofSeconds(5)).until(() -> !stats.routeCounters().isEmpty());
    assertThat(route().getResponses5Xx()).isEqualTo(1);
    assertThat(stats.unroutedCounters().getRequests()).isZero();
  }
}
