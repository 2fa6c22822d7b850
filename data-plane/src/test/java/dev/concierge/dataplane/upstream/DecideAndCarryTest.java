package dev.concierge.dataplane.upstream;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.ProxyServer;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.TrafficStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * UpstreamHandler decides, the transports carry: retries on another endpoint and their limits,
 * method matching, the path that is routed on is the path forwarded, and what no route may carry.
 * Over both transports, against real backends on loopback.
 */
class DecideAndCarryTest {
  private static final String RR = "GET /rr HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n";
  private static final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
  private static final Map<ProxyServer.Transport, ProxyServer> proxies =
      new EnumMap<>(ProxyServer.Transport.class);
  private static final TrafficStats stats = new TrafficStats();
  private static Server backends;
  private static ResettingBackend resetter;
  private static int portA;
  private static int portB;
  private static int refusedPort;

  @BeforeAll
  static void start() throws Exception {
    backends = new Server();
    ServerConnector a = new ServerConnector(backends);
    a.setHost("127.0.0.1");
    ServerConnector b = new ServerConnector(backends);
    b.setHost("127.0.0.1");
    backends.addConnector(a);
    backends.addConnector(b);
    backends.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            String name = Request.getLocalPort(request) == portA ? "A" : "B";
            // The request line's target exactly as it arrived.
            String line =
                name + " " + request.getMethod() + " " + request.getHttpURI().getPathQuery();
            seen.add(line);
            Content.Sink.write(response, true, line + "\n", callback);
            return true;
          }
        });
    backends.start();
    portA = a.getLocalPort();
    portB = b.getLocalPort();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusedPort = s.getLocalPort();
    }
    resetter = ResettingBackend.start();

    List<Cluster> clusters =
        List.of(
            cluster("a", portA),
            cluster("b", portB),
            cluster("refused-then-a", refusedPort, portA),
            cluster("reset-then-a", resetter.port(), portA),
            cluster("refused-only", refusedPort),
            cluster("reset-for-post", resetter.port(), portA));
    RouteMatch.Builder getOnly = RouteMatch.newBuilder().setPathPrefix("/m").addMethods("GET");
    Route raw = route("raw", List.of(), "/raw", "a");
    List<Route> routes =
        List.of(
            route("public", List.of(), "/public", "a"),
            route("all", List.of(), "/", "b"),
            route("get-only", List.of(), "/m", "a").toBuilder().setMatch(getOnly).build(),
            raw.toBuilder()
                .setForward(
                    raw.getForward().toBuilder()
                        .setPathForwarding(ForwardAction.PathForwarding.RAW))
                .build(),
            route("refused", List.of(), "/retry/refused", "refused-then-a"),
            route("reset", List.of(), "/retry/reset", "reset-then-a"),
            attempts(route("once", List.of(), "/retry/once", "refused-only"), 1),
            route("post", List.of(), "/retry/post", "reset-for-post"));
    for (ProxyServer.Transport transport : ProxyServer.Transport.values()) {
      // Each proxy its own runtime and registry: both start round robin at the first endpoint.
      RuntimeHolder runtimes = new RuntimeHolder();
      runtimes.set(
          new RuntimeCompiler(new EndpointRegistry(), stats)
              .compile(snapshot(1, clusters, routes)));
      proxies.put(
          transport,
          new ProxyServer(
                  "127.0.0.1", 0, runtimes, ChainSettings.defaults().withStats(stats), transport)
              .start());
    }
  }

  private static Route attempts(Route route, int attempts) {
    return route.toBuilder()
        .setForward(route.getForward().toBuilder().setMaxAttempts(attempts))
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    proxies.values().forEach(ProxyServer::close);
    backends.stop();
    resetter.close();
  }

  private static String send(ProxyServer.Transport transport, String head) throws IOException {
    return send(proxies.get(transport), head);
  }

  private static String send(ProxyServer proxy, String head) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readResponse(socket.getInputStream());
    }
  }

  /** One response: the head, then as many body bytes as Content-Length says. */
  private static String readResponse(InputStream in) throws IOException {
    StringBuilder text = new StringBuilder();
    while (!text.toString().contains("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        return text.toString();
      }
      text.append((char) b);
    }
    java.util.regex.Matcher length =
        java.util.regex.Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(text);
    if (length.find()) {
      byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
      text.append(new String(body, StandardCharsets.ISO_8859_1));
    }
    return text.toString();
  }

  private static String get(ProxyServer.Transport transport, String target) throws IOException {
    return send(
        transport, "GET " + target + " HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
  }

  private static String body(String answer) {
    return answer.substring(answer.indexOf("\r\n\r\n") + 4);
  }

  private static TrafficCounters counters(String name) {
    return stats.routeCounters().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void retriesARefusedConnectionOnAnotherEndpoint(ProxyServer.Transport transport)
      throws Exception {
    long retriesBefore = counters("routes/refused").getRetries();
    for (int i = 0; i < 4; i++) {
      String answer =
          send(
              transport,
              "POST /retry/refused HTTP/1.1\r\nHost: a.test\r\n"
                  + "Content-Length: 3\r\nConnection: close\r\n\r\nabc");
      // Nothing was sent to the refusing endpoint, so even a POST goes to the next one.
      assertThat(answer).startsWith("HTTP/1.1 200");
      assertThat(body(answer)).isEqualTo("A POST /retry/refused\n");
    }
    // Round robin alternates: half the requests met the refusing endpoint first.
    // Counted when each request completes, which may be just after the client has the answer.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () -> assertThat(counters("routes/refused").getRetries() - retriesBefore).isEqualTo(2));
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void retriesAnIdempotentRequestResetBeforeAnyResponse(ProxyServer.Transport transport)
      throws Exception {
    for (int i = 0; i < 4; i++) {
      String answer = get(transport, "/retry/reset");
      assertThat(answer).startsWith("HTTP/1.1 200");
      assertThat(body(answer)).isEqualTo("A GET /retry/reset\n");
    }
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void neverRetriesAPostWhoseBodyWasSent(ProxyServer.Transport transport) throws Exception {
    seen.clear();
    String first =
        send(
            transport,
            "POST /retry/post HTTP/1.1\r\nHost: a.test\r\n"
                + "Content-Length: 3\r\nConnection: close\r\n\r\nabc");

    assertThat(first).startsWith("HTTP/1.1 502");
    assertThat(body(first)).startsWith("upstream connection reset\nrequest-id: ");
    assertThat(seen).noneMatch(line -> line.contains("/retry/post"));
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void triesNoMoreThanTheRoutesAttempts(ProxyServer.Transport transport) throws Exception {
    long failures = counters("routes/once").getUpstreamFailures();
    String answer = get(transport, "/retry/once");

    assertThat(answer).startsWith("HTTP/1.1 502");
    assertThat(body(answer)).startsWith("upstream connection refused\nrequest-id: ");
    assertThat(counters("routes/once").getUpstreamFailures() - failures).isEqualTo(1);
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void matchesTheRoutesMethodsOnly(ProxyServer.Transport transport) throws Exception {
    assertThat(body(get(transport, "/m/x"))).isEqualTo("A GET /m/x\n");
    String delete =
        send(transport, "DELETE /m/x HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
    assertThat(body(delete)).isEqualTo("B DELETE /m/x\n");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void forwardsThePathThatWasRoutedOn(ProxyServer.Transport transport) throws Exception {
    assertThat(body(get(transport, "/public/../secret"))).isEqualTo("B GET /secret\n");
    assertThat(body(get(transport, "/x/../public/x"))).isEqualTo("A GET /public/x\n");
    assertThat(body(get(transport, "/a;/../public/x"))).isEqualTo("A GET /public/x\n");
    assertThat(body(get(transport, "/public;v=1/x?q=1"))).isEqualTo("A GET /public/x?q=1\n");
    // Prefixes match whole segments.
    assertThat(body(get(transport, "/public"))).isEqualTo("A GET /public\n");
    assertThat(body(get(transport, "/publicity"))).isEqualTo("B GET /publicity\n");
    assertThat(body(get(transport, "/public.bak"))).isEqualTo("B GET /public.bak\n");
    assertThat(body(get(transport, "/public%3b/x"))).isEqualTo("B GET /public%3B/x\n");
    // A route may ask for the raw path.
    assertThat(body(get(transport, "/raw/./y;p=1"))).isEqualTo("A GET /raw/./y;p=1\n");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void refusesWhatNoRouteMayCarry(ProxyServer.Transport transport) throws Exception {
    String connect =
        send(
            transport,
            "CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443\r\nConnection: close\r\n\r\n");
    assertThat(connect).startsWith("HTTP/1.1 405").contains("\r\nAllow: ");
    assertThat(body(connect)).startsWith("CONNECT is not allowed\nrequest-id: ");
    String trace = send(transport, "TRACE / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
    assertThat(trace).startsWith("HTTP/1.1 405");
    String gzip =
        send(
            transport,
            "POST / HTTP/1.1\r\nHost: a.test\r\n"
                + "Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    assertThat(gzip).startsWith("HTTP/1.1 501");
    assertThat(body(gzip))
        .startsWith("transfer coding not implemented (only chunked)\nrequest-id: ");
    String malformed = send(transport, "GET /\u0001 HTTP/1.1\r\nHost: a.test\r\n\r\n");
    assertThat(malformed).startsWith("HTTP/1.1 400").doesNotContain("<html");
    assertThat(body(malformed)).startsWith("bad request\nrequest-id: ");
  }

  @Test
  void roundRobinGoesOnWhereItWasAcrossAnUnrelatedConfigSwap() throws Exception {
    RuntimeCompiler compiler = new RuntimeCompiler(new EndpointRegistry(), new TrafficStats());
    List<Cluster> clusters = List.of(cluster("ab", portA, portB));
    RuntimeHolder runtimes = new RuntimeHolder();
    runtimes.set(
        compiler.compile(snapshot(1, clusters, List.of(route("ab", List.of(), "/", "ab")))));
    try (ProxyServer proxy = new ProxyServer("127.0.0.1", 0, runtimes).start()) {
      String first = body(send(proxy, RR));
      // Revision 2 adds an unrelated route between two requests.
      runtimes.set(
          compiler.compile(
              snapshot(
                  2,
                  List.of(cluster("ab", portA, portB), cluster("b", portB)),
                  List.of(
                      route("ab", List.of(), "/", "ab"),
                      route("other", List.of(), "/other", "b")))));
      String second = body(send(proxy, RR));
      String third = body(send(proxy, RR));

      assertThat(first).isEqualTo("A GET /rr\n");
      assertThat(second).isEqualTo("B GET /rr\n");
      assertThat(third).isEqualTo("A GET /rr\n");
    }
  }
}
