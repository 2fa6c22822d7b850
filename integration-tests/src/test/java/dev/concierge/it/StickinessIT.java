package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.Stickiness;
import dev.concierge.api.v1.StickyCookie;
import dev.concierge.api.v1.UpdateRouteRequest;
import dev.concierge.api.v1.WeightedCluster;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weighted splits through a real node to two real backends: the split's proportions, cookie
 * stickiness (kept for a client, moved by a blue/green flip), header stickiness, and the cookie on
 * the Jetty client transport (HTTP2 clusters) as on the lean one.
 */
class StickinessIT {
  @TempDir Path dataDir;
  private final List<AutoCloseable> closing = new ArrayList<>();
  private Fleet fleet;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    port = fleet.nodes().get(0).httpPort();
  }

  @AfterEach
  void tearDown() throws Exception {
    fleet.close();
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  /** Clusters "blue" and "green" on HTTP/1.1 backends answering their names. */
  private void http1Clusters() throws Exception {
    for (String name : List.of("blue", "green")) {
      // Jetty backends answer in one write: no Nagle and delayed-ACK stall per request.
      cluster(name, jettyBackend(name, false), Cluster.Protocol.HTTP1);
    }
  }

  private void cluster(String name, int backendPort, Cluster.Protocol protocol) {
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId(name)
                .setCluster(
                    Cluster.newBuilder()
                        .setProtocol(protocol)
                        .addEndpoints(
                            Endpoint.newBuilder().setHost("127.0.0.1").setPort(backendPort)))
                .build());
  }

  private static ForwardAction.Builder split(int blue, int green) {
    return ForwardAction.newBuilder()
        .addClusters(WeightedCluster.newBuilder().setCluster("clusters/blue").setWeight(blue))
        .addClusters(WeightedCluster.newBuilder().setCluster("clusters/green").setWeight(green));
  }

  private static Stickiness cookie() {
    return Stickiness.newBuilder()
        .setCookie(StickyCookie.newBuilder().setName("ab").setTtl(Durations.fromHours(1)))
        .build();
  }

  private Route route(ForwardAction.Builder forward) {
    Route route =
        fleet.createRoute(
            "ab",
            Route.newBuilder()
                .setMatch(RouteMatch.newBuilder().setPathPrefix("/ab"))
                .setForward(forward)
                .build());
    fleet.awaitSynced();
    return route;
  }

  private void update(Route route, ForwardAction.Builder forward) {
    fleet
        .api()
        .updateRoute(
            UpdateRouteRequest.newBuilder()
                .setRoute(
                    route.toBuilder()
                        .setName(route.getName())
                        .setEtag(route.getEtag())
                        .setForward(forward))
                .setUpdateMask(FieldMask.newBuilder().addPaths("forward"))
                .build());
    fleet.awaitSynced();
  }

  private HttpResponse<String> get(HttpClient client) throws Exception {
    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ab"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as("body %s", response.body()).isEqualTo(200);
    return response;
  }

  private static HttpClient cookieJarClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .cookieHandler(new CookieManager())
        .build();
  }

  @Test
  void tenThousandRequestsSplitNinetyTenWithinTwoPoints() throws Exception {
    http1Clusters();
    route(split(90, 10));

    Map<String, Integer> counts = new ConcurrentHashMap<>();
    AtomicInteger next = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      for (int t = 0; t < 8; t++) {
        clients.execute(
            () -> {
              while (next.getAndIncrement() < 10_000) {
                HttpResponse<String> response = Http.send(Http.request(port, "/ab"));
                counts.merge(
                    response.statusCode() == 200 ? response.body() : "" + response.statusCode(),
                    1,
                    Integer::sum);
              }
            });
      }
    } finally {
      clients.shutdown();
    }
    assertThat(clients.awaitTermination(120, TimeUnit.SECONDS)).isTrue();
    assertThat(counts.keySet()).as("answers %s", counts).containsOnly("blue", "green");
    assertThat(counts.get("green")).as("answers %s", counts).isBetween(800, 1200);
  }

  @Test
  void cookieKeepsAClientOnOneSideUntilItsSideIsDrained() throws Exception {
    http1Clusters();
    Route route = route(split(90, 10).setStickiness(cookie()));
    HttpClient client = cookieJarClient();

    HttpResponse<String> first = get(client);
    String side = first.body();
    String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
    assertThat(setCookie)
        .matches("ab=[0-9a-f]{16}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax")
        .doesNotContain(side);
    for (int i = 0; i < 99; i++) {
      HttpResponse<String> next = get(client);
      assertThat(next.body()).as("request %s", i + 2).isEqualTo(side);
      assertThat(next.headers().firstValue("set-cookie")).isEmpty();
    }

    // Blue/green flip: the client's side goes to weight 0, the other takes everything.
    update(route, (side.equals("blue") ? split(0, 100) : split(100, 0)).setStickiness(cookie()));
    String other = side.equals("blue") ? "green" : "blue";
    HttpResponse<String> moved = get(client);
    assertThat(moved.body()).isEqualTo(other);
    String newCookie = moved.headers().firstValue("set-cookie").orElseThrow();
    assertThat(newCookie).startsWith("ab=").isNotEqualTo(setCookie);
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> next = get(client);
      assertThat(next.body()).isEqualTo(other);
      assertThat(next.headers().firstValue("set-cookie")).isEmpty();
    }
  }

  @Test
  void headerKeepsOneUserIdOnOneSide() throws Exception {
    http1Clusters();
    route(split(50, 50).setStickiness(Stickiness.newBuilder().setHeader("x-user-id")));

    Set<String> sides = new HashSet<>();
    for (int user = 0; user < 40; user++) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> response =
            Http.send(Http.request(port, "/ab").header("X-User-Id", "user-" + user));
        assertThat(response.headers().firstValue("set-cookie")).isEmpty();
        seen.add(response.body());
      }
      assertThat(seen).as("sides of user-%s", user).hasSize(1);
      sides.addAll(seen);
    }
    assertThat(sides).as("users spread").containsExactlyInAnyOrder("blue", "green");
  }

  @Test
  void cookieIsSetAndHonouredOnHttp2Clusters() throws Exception {
    for (String name : List.of("blue", "green")) {
      cluster(name, jettyBackend(name, true), Cluster.Protocol.HTTP2);
    }
    route(split(50, 50).setStickiness(cookie()));
    HttpClient client = cookieJarClient();

    HttpResponse<String> first = get(client);
    assertThat(first.headers().firstValue("set-cookie")).get().asString().startsWith("ab=");
    assertThat(first.headers().firstValue("x-backend")).contains(first.body());
    for (int i = 0; i < 30; i++) {
      HttpResponse<String> next = get(client);
      assertThat(next.body()).isEqualTo(first.body());
      assertThat(next.headers().firstValue("set-cookie")).isEmpty();
    }
  }

  /**
   * A Jetty backend, HTTP/1.1 or h2c (prior knowledge), answering its name with a header of its
   * own; its port.
   */
  private int jettyBackend(String name, boolean h2c) throws Exception {
    Server server = new Server();
    HttpConfiguration config = new HttpConfiguration();
    // The Jetty client transport relays the client's Host, which differs from :authority.
    config.setHttpCompliance(HttpCompliance.from("RFC9110,MISMATCHED_AUTHORITY"));
    ServerConnector connector =
        new ServerConnector(
            server,
            h2c ? new HTTP2CServerConnectionFactory(config) : new HttpConnectionFactory(config));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(
              org.eclipse.jetty.server.Request request,
              org.eclipse.jetty.server.Response response,
              Callback callback) {
            response.getHeaders().put("x-backend", name);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            org.eclipse.jetty.io.Content.Sink.write(response, true, name, callback);
            return true;
          }
        });
    server.start();
    closing.add(server::stop);
    return connector.getLocalPort();
  }
}
