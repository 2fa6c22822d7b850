package dev.concierge.dataplane.upstream;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static dev.concierge.dataplane.TestSnapshots.withTimeout;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.ProxyServer;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.TrafficStats;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole request path against real Jetty backends on loopback, over both upstream transports.
 */
class ProxyTest {
  private static final byte[] LARGE = new byte[100 * 1024];
  private static Server backend;
  private static int backendPort;
  private static int backendPort2;
  private static int refusedPort;
  private static ServerSocket resetter;
  private static final ConcurrentLinkedQueue<Callback> hanging = new ConcurrentLinkedQueue<>();
  private static final RuntimeHolder runtimes = new RuntimeHolder();
  private static final EndpointRegistry registry = new EndpointRegistry();
  private static final TrafficStats stats = new TrafficStats(registry);
  private static final Map<ProxyServer.Transport, ProxyServer> proxies =
      new EnumMap<>(ProxyServer.Transport.class);
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    new Random(1).nextBytes(LARGE);
    backend = new Server();
    ServerConnector c1 = new ServerConnector(backend);
    c1.setHost("127.0.0.1");
    ServerConnector c2 = new ServerConnector(backend);
    c2.setHost("127.0.0.1");
    backend.addConnector(c1);
    backend.addConnector(c2);
    backend.setHandler(new Backend());
    backend.start();
    backendPort = c1.getLocalPort();
    backendPort2 = c2.getLocalPort();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusedPort = s.getLocalPort();
    }
    resetter = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread resetThread = new Thread(ProxyTest::acceptAndClose, "resetter");
    resetThread.setDaemon(true);
    resetThread.start();

    List<Cluster> clusters =
        List.of(
            cluster("web", backendPort, backendPort2),
            cluster("refused", refusedPort),
            cluster("reset", resetter.getLocalPort()));
    List<Route> routes =
        List.of(
            route("web", List.of(), "/", "web"),
            withTimeout(route("slow", List.of(), "/hang", "web"), 300),
            withTimeout(route("partial", List.of(), "/partial", "web"), 300),
            route("refused", List.of(), "/refused", "refused"),
            route("reset", List.of(), "/reset", "reset"),
            route("nothing", List.of("only.test"), "/", "web"));
    runtimes.set(new RuntimeCompiler(registry, stats).compile(snapshot(1, clusters, routes)));
    for (ProxyServer.Transport transport : ProxyServer.Transport.values()) {
      proxies.put(
          transport,
          new ProxyServer(
                  "127.0.0.1", 0, runtimes, ChainSettings.defaults().withStats(stats), transport)
              .start());
    }
    client = new HttpClient();
    client.start();
  }

  @AfterAll
  static void stop() throws Exception {
    Callback cb;
    while ((cb = hanging.poll()) != null) {
      cb.succeeded();
    }
    client.stop();
    proxies.values().forEach(ProxyServer::close);
    backend.stop();
    resetter.close();
  }

  private static void acceptAndClose() {
    while (!resetter.isClosed()) {
      try (Socket s = resetter.accept()) {
        s.getInputStream().read(new byte[1024]);
        s.setSoLinger(true, 0);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static String url(ProxyServer.Transport transport, String path) {
    return "http://127.0.0.1:" + proxies.get(transport).port() + path;
  }

  /** Echoes request headers, streams bodies back, serves a large body, or hangs. */
  private static final class Backend extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      response.getHeaders().put(HttpHeader.SERVER, "backend/1.0");
      response.getHeaders().put("X-Powered-By", "PHP/5");
      response.getHeaders().put("X-Backend-Port", String.valueOf(Request.getLocalPort(request)));
      String path = Request.getPathInContext(request);
      switch (path) {
        case "/echo" -> Content.copy(request, response, callback);
        case "/large" -> {
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
          response.write(true, ByteBuffer.wrap(LARGE), callback);
        }
        case "/hang" -> hanging.add(callback);
        case "/partial/x" -> {
          response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 1000);
          response.write(
              false,
              ByteBuffer.wrap(new byte[10]),
              Callback.from(() -> hanging.add(callback), callback::failed));
        }
        default -> {
          StringBuilder body =
              new StringBuilder("uri=" + request.getHttpURI().getPathQuery() + "\n");
          for (HttpField field : request.getHeaders()) {
            body.append(field.getName().toLowerCase(Locale.ROOT))
                .append(": ")
                .append(field.getValue())
                .append('\n');
          }
          Content.Sink.write(response, true, body.toString(), callback);
        }
      }
      return true;
    }
  }

  private static List<String> lines(ContentResponse response) {
    return List.of(response.getContentAsString().split("\n"));
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void addsForwardingHeadersAndDropsSpoofedOnes(ProxyServer.Transport transport) throws Exception {
    ContentResponse response =
        client
            .newRequest(url(transport, "/headers?q=1"))
            .headers(
                h ->
                    h.put(HttpHeader.HOST, "shop.example.com:8443")
                        .put("X-Forwarded-For", "6.6.6.6")
                        .put("X-Forwarded-Proto", "https")
                        .put("X-Forwarded-Host", "evil.test")
                        .put("Forwarded", "for=6.6.6.6")
                        .put("X-Real-IP", "6.6.6.6")
                        .put("X-Custom", "kept")
                        .put(HttpHeader.USER_AGENT, "test-client"))
            .timeout(5, TimeUnit.SECONDS)
            .send();

    assertThat(response.getStatus()).isEqualTo(200);
    assertThat(lines(response))
        .contains(
            "uri=/headers?q=1",
            "host: shop.example.com:8443",
            "x-forwarded-for: 127.0.0.1",
            "x-forwarded-proto: http",
            "x-forwarded-host: shop.example.com:8443",
            "via: 1.1 concierge",
            "x-custom: kept",
            "user-agent: test-client");
    assertThat(lines(response))
        .noneMatch(l -> l.contains("6.6.6.6") || l.contains("evil.test"))
        .noneMatch(l -> l.startsWith("forwarded:") || l.startsWith("x-real-ip:"))
        .filteredOn(l -> l.startsWith("user-agent:"))
        .hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void matchesTheCanonicalPathButForwardsTheOriginal(ProxyServer.Transport transport)
      throws Exception {
    ContentResponse encoded = client.GET(url(transport, "/headers/a%20b?q=1%2F2"));
    assertThat(lines(encoded)).contains("uri=/headers/a%20b?q=1%2F2");

    // Raw socket: an HTTP client library might normalise the dot segment itself.
    String answer = rawGet(transport, "/other/../refused");
    assertThat(answer)
        .startsWith("HTTP/1.1 502")
        .contains("upstream connection refused\nrequest-id: ");
  }

  private static String rawGet(ProxyServer.Transport transport, String target) throws IOException {
    try (Socket socket =
        new Socket(InetAddress.getLoopbackAddress(), proxies.get(transport).port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET " + target + " HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void removesServerAndPoweredByFromUpstreamAndAddsNoServerHeader(ProxyServer.Transport transport)
      throws Exception {
    ContentResponse response = client.GET(url(transport, "/headers"));

    assertThat(response.getHeaders().get(HttpHeader.SERVER)).isNull();
    assertThat(response.getHeaders().get("X-Powered-By")).isNull();
    assertThat(response.getHeaders().get("X-Backend-Port")).isNotNull();
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void dropsHopByHopHeaders(ProxyServer.Transport transport) throws Exception {
    try (Socket socket =
        new Socket(InetAddress.getLoopbackAddress(), proxies.get(transport).port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET /headers HTTP/1.1\r\nHost: a.test\r\nConnection: close, X-Hop\r\n"
                  + "X-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic x\r\n"
                  + "TE: trailers\r\nX-End-To-End: yes\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);

      assertThat(answer).startsWith("HTTP/1.1 200");
      assertThat(body)
          .contains("x-end-to-end: yes")
          .doesNotContain("x-hop:", "keep-alive:", "proxy-authorization:", "te:", "connection:");
    }
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void streamsLargeBodiesBothWaysIntact(ProxyServer.Transport transport) throws Exception {
    ContentResponse echoed =
        client
            .POST(url(transport, "/echo"))
            .body(new BytesRequestContent("application/octet-stream", LARGE))
            .timeout(10, TimeUnit.SECONDS)
            .send();
    ContentResponse large = client.GET(url(transport, "/large"));

    assertThat(echoed.getStatus()).isEqualTo(200);
    assertThat(echoed.getContent()).isEqualTo(LARGE);
    assertThat(large.getStatus()).isEqualTo(200);
    assertThat(large.getContent()).isEqualTo(LARGE);
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void balancesOverTheClusterEndpoints(ProxyServer.Transport transport) throws Exception {
    List<String> ports = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      ports.add(client.GET(url(transport, "/headers")).getHeaders().get("X-Backend-Port"));
    }

    assertThat(ports).containsOnly(String.valueOf(backendPort), String.valueOf(backendPort2));
    assertThat(ports).contains(String.valueOf(backendPort), String.valueOf(backendPort2));
  }

  @Test
  void answers404WhenNoRouteMatches() throws Exception {
    RuntimeHolder onlyHost = new RuntimeHolder();
    onlyHost.set(
        new RuntimeCompiler()
            .compile(
                snapshot(
                    2,
                    List.of(cluster("web", backendPort)),
                    List.of(route("web", List.of("only.test"), "/", "web")))));
    try (ProxyServer other = new ProxyServer("127.0.0.1", 0, onlyHost).start()) {
      ContentResponse response = client.GET("http://127.0.0.1:" + other.port() + "/x");

      assertThat(response.getStatus()).isEqualTo(404);
      assertThat(response.getContentAsString()).startsWith("no route\nrequest-id: ");
      assertThat(response.getHeaders().get(HttpHeader.SERVER)).isNull();
    }
  }

  @Test
  void answers503BeforeAnyConfiguration() throws Exception {
    try (ProxyServer other = new ProxyServer("127.0.0.1", 0, new RuntimeHolder()).start()) {
      ContentResponse response = client.GET("http://127.0.0.1:" + other.port() + "/x");

      assertThat(response.getStatus()).isEqualTo(503);
      assertThat(response.getContentAsString()).startsWith("no configuration yet\nrequest-id: ");
    }
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void answers502WhenUpstreamRefuses(ProxyServer.Transport transport) throws Exception {
    ContentResponse response = client.GET(url(transport, "/refused"));

    assertThat(response.getStatus()).isEqualTo(502);
    assertThat(response.getContentAsString())
        .startsWith("upstream connection refused\nrequest-id: ");
    assertThat(response.getHeaders().get(HttpHeader.CONTENT_TYPE)).startsWith("text/plain");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void answers502WhenUpstreamResetsBeforeResponding(ProxyServer.Transport transport)
      throws Exception {
    ContentResponse response = client.GET(url(transport, "/reset"));

    assertThat(response.getStatus()).isEqualTo(502);
    assertThat(response.getContentAsString()).startsWith("upstream connection reset\nrequest-id: ");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void answers504WhenRouteTimeoutElapses(ProxyServer.Transport transport) throws Exception {
    ContentResponse response =
        client.newRequest(url(transport, "/hang")).timeout(10, TimeUnit.SECONDS).send();

    assertThat(response.getStatus()).isEqualTo(504);
    assertThat(response.getContentAsString()).startsWith("upstream timed out\nrequest-id: ");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void abortsTheClientConnectionWhenUpstreamFailsAfterTheResponseIsCommitted(
      ProxyServer.Transport transport) throws Exception {
    String answer = rawGet(transport, "/partial/x");

    // Headers and the first bytes went out; then the connection closed short of Content-Length.
    assertThat(answer).startsWith("HTTP/1.1 200").contains("Content-Length: 1000");
    assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).hasSize(10);
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void countsResponsesAndUpstreamFailuresPerRouteAndCluster(ProxyServer.Transport transport)
      throws Exception {
    client.GET(url(transport, "/refused"));
    client.GET(url(transport, "/refused"));

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              TrafficCounters route =
                  stats.routeCounters().stream()
                      .filter(c -> c.getName().equals("routes/refused"))
                      .findFirst()
                      .orElseThrow();
              assertThat(route.getRequests()).isGreaterThanOrEqualTo(2);
              assertThat(route.getResponses5Xx()).isGreaterThanOrEqualTo(2);
              assertThat(route.getUpstreamFailures()).isGreaterThanOrEqualTo(2);
              assertThat(stats.clusterCounters())
                  .anyMatch(c -> c.getName().equals("clusters/refused"));
            });
  }

  private static TrafficCounters endpoint(String cluster, int port) {
    return stats.endpointCounters().stream()
        .filter(c -> c.getName().equals(cluster) && c.getEndpoint().equals("127.0.0.1:" + port))
        .findFirst()
        .orElse(TrafficCounters.getDefaultInstance());
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void countsTriesAndFailuresPerEndpoint(ProxyServer.Transport transport) throws Exception {
    long answered =
        endpoint("clusters/web", backendPort).getLatencyCount()
            + endpoint("clusters/web", backendPort2).getLatencyCount();
    long refused = endpoint("clusters/refused", refusedPort).getConnectFailures();
    long resets = endpoint("clusters/reset", resetter.getLocalPort()).getResets();
    long timeouts =
        endpoint("clusters/web", backendPort).getTimeouts()
            + endpoint("clusters/web", backendPort2).getTimeouts();

    client.GET(url(transport, "/headers"));
    client.GET(url(transport, "/refused"));
    client.GET(url(transport, "/reset"));
    client.newRequest(url(transport, "/hang")).timeout(10, TimeUnit.SECONDS).send();

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> {
              TrafficCounters web1 = endpoint("clusters/web", backendPort);
              TrafficCounters web2 = endpoint("clusters/web", backendPort2);
              assertThat(web1.getLatencyCount() + web2.getLatencyCount())
                  .isGreaterThanOrEqualTo(answered + 2); // the answer and the timed-out try
              assertThat(web1.getRequests() + web2.getRequests())
                  .isEqualTo(web1.getLatencyCount() + web2.getLatencyCount());
              assertThat(web1.getTimeouts() + web2.getTimeouts()).isEqualTo(timeouts + 1);
              assertThat(endpoint("clusters/refused", refusedPort).getConnectFailures())
                  .isGreaterThan(refused);
              assertThat(endpoint("clusters/reset", resetter.getLocalPort()).getResets())
                  .isGreaterThan(resets);
            });
  }

  @Test
  void mapsFailuresToOutcomes() {
    assertThat(UpstreamFailures.classify(new java.net.SocketTimeoutException("Connect Timeout")))
        .isEqualTo(UpstreamOutcome.CONNECT_TIMEOUT);
    assertThat(UpstreamFailures.classify(new java.util.concurrent.TimeoutException()))
        .isEqualTo(UpstreamOutcome.TIMEOUT);
    assertThat(UpstreamFailures.classify(new IOException(new java.net.ConnectException("refused"))))
        .isEqualTo(UpstreamOutcome.REFUSED);
    assertThat(UpstreamFailures.classify(new java.io.EOFException()))
        .isEqualTo(UpstreamOutcome.RESET);
    assertThat(UpstreamFailures.classify(new IOException("Connection reset by peer")))
        .isEqualTo(UpstreamOutcome.RESET);
    assertThat(UpstreamFailures.classify(new IllegalStateException("x")))
        .isEqualTo(UpstreamOutcome.ERROR);
  }
}
