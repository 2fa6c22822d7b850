package dev.concierge.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.dns.HostResolver;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.TrafficStats;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GLOBAL limits in the node's real chain, with the store in memory: a request whose decision waits
 * for the store (the handler returned, no thread waits) is answered once the store answers, with
 * the same fields as a local limit; FAIL_CLOSED answers 429 while the store is down.
 */
class RateLimitHandlerTest {
  private final FakeStore store = new FakeStore(System::nanoTime);
  private final GlobalLimits global = GlobalLimits.of(store, System::nanoTime);
  private final RuntimeHolder runtimes = new RuntimeHolder();
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(
        HandlerChain.of(
            runtimes,
            attempt -> {
              throw new AssertionError("nothing goes upstream here");
            },
            ChainSettings.defaults()));
    server.start();
    port = connector.getLocalPort();
    runtimes.set(
        new RuntimeCompiler(
                new EndpointRegistry(), new TrafficStats(), HostResolver.onCaller(), global)
            .compile(
                ConfigSnapshot.newBuilder()
                    .setRevision(1)
                    .addPolicies(policy("open", RateLimit.OnStoreError.FAIL_OPEN))
                    .addPolicies(policy("closed", RateLimit.OnStoreError.FAIL_CLOSED))
                    .addRoutes(answering("open"))
                    .addRoutes(answering("closed"))
                    .build()));
  }

  @AfterEach
  void stop() throws Exception {
    store.release();
    server.stop();
  }

  private static Policy policy(String id, RateLimit.OnStoreError mode) {
    return Policy.newBuilder()
        .setName("policies/" + id)
        .setRateLimit(
            RateLimit.newBuilder()
                .setRequests(10)
                .setUnit(RateLimit.Unit.MINUTE)
                .setKey(RateLimit.Key.ROUTE)
                .setScope(RateLimit.Scope.GLOBAL)
                .setOnStoreError(mode))
        .build();
  }

  /** A route /id answering 200 "ok" itself, limited by policy id. */
  private static Route answering(String id) {
    return Route.newBuilder()
        .setName("routes/" + id)
        .setMatch(RouteMatch.newBuilder().setPathPrefix("/" + id))
        .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200).setBody("ok"))
        .addPolicies("policies/" + id)
        .build();
  }

  /** The whole answer to GET path. */
  private String get(String path) throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aRequestWaitingForTheStoreIsAnsweredWhenItAnswers() throws Exception {
    store.holding = true;
    CompletableFuture<String> waiting =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return get("/open");
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> store.leases.size() == 1);
    assertThat(waiting).isNotDone();
    assertThat(store.leases).singleElement().asString().contains("policies/open");

    store.release();
    String answer = waiting.get();
    assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("ok");
    assertThat(answer)
        .contains("RateLimit-Policy: \"open\";q=10;w=60\r\n", "RateLimit: \"open\";r=9;t=6\r\n");
  }

  @Test
  void failClosedAnswers429WhileTheStoreIsDown() throws Exception {
    store.failing = true;
    String refused = get("/closed");
    assertThat(refused)
        .startsWith("HTTP/1.1 429 ")
        .contains("Retry-After: 1\r\n")
        .contains("too many requests: rate limit policies/closed has no token left");
    assertThat(get("/open")).startsWith("HTTP/1.1 200 ");
    assertThat(global.storeErrors()).isEqualTo(2);
  }
}
