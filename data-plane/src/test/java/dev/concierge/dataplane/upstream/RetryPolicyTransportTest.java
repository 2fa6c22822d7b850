package dev.concierge.dataplane.upstream;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.RetryPolicy;
import dev.concierge.api.v1.Route;
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
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The retry policy, idle timeout and host names through both transports against real backends on
 * loopback: a listed status is dropped for another try, an unlisted one relayed, a slow try moved
 * on at its per-try timeout, an idle upstream answered 504, an unresolved host answered at once.
 */
class RetryPolicyTransportTest {
  private static final Map<ProxyServer.Transport, ProxyServer> proxies =
      new EnumMap<>(ProxyServer.Transport.class);
  private static final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private static final AtomicInteger keys = new AtomicInteger();
  private static Server backends;
  private static int portA;
  private static int portB;

  @BeforeAll
  static void start() throws Exception {
    backends = new Server();
    ServerConnector a = new ServerConnector(backends);
    a.setHost("127.0.0.1");
    ServerConnector b = new ServerConnector(backends);
    b.setHost("127.0.0.1");
    backends.addConnector(a);
    backends.addConnector(b);
    backends.setHandler(new Backend());
    backends.start();
    portA = a.getLocalPort();
    portB = b.getLocalPort();

    List<Cluster> clusters =
        List.of(
            cluster("a", portA),
            cluster("slow-and-fast", portA, portB),
            Cluster.newBuilder()
                .setName("clusters/named")
                .addEndpoints(Endpoint.newBuilder().setHost("localhost").setPort(portA))
                .build(),
            Cluster.newBuilder()
                .setName("clusters/unresolved")
                .addEndpoints(Endpoint.newBuilder().setHost("nonexistent.invalid").setPort(portA))
                .build());
    RetryPolicy on503 =
        RetryPolicy.newBuilder()
            .addRetryOn(RetryPolicy.RetryOn.STATUS_503)
            .setBackoffBase(Durations.fromMillis(5))
            .build();
    List<Route> routes =
        List.of(
            retry(route("status", List.of(), "/status", "a"), on503, 3),
            retry(
                route("status-any", List.of(), "/any/status", "a"),
                on503.toBuilder().setRetryNonIdempotent(true).build(),
                3),
            route("plain", List.of(), "/plain", "a"),
            retry(
                route("per-try", List.of(), "/slow", "slow-and-fast"),
                RetryPolicy.newBuilder()
                    .addRetryOn(RetryPolicy.RetryOn.PER_TRY_TIMEOUT)
                    .setPerTryTimeout(Durations.fromMillis(300))
                    .build(),
                2),
            idle(route("idle", List.of(), "/idle", "a"), 300),
            route("named", List.of(), "/named", "named"),
            route("unresolved", List.of(), "/unresolved", "unresolved"));
    for (ProxyServer.Transport transport : ProxyServer.Transport.values()) {
      RuntimeHolder runtimes = new RuntimeHolder();
      TrafficStats stats = new TrafficStats();
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

  private static Route retry(Route route, RetryPolicy policy, int attempts) {
    return route.toBuilder()
        .setForward(route.getForward().toBuilder().setRetryPolicy(policy).setMaxAttempts(attempts))
        .build();
  }

  private static Route idle(Route route, long millis) {
    return route.toBuilder()
        .setForward(route.getForward().toBuilder().setIdleTimeout(Durations.fromMillis(millis)))
        .build();
  }

  @AfterAll
  static void stop() throws Exception {
    proxies.values().forEach(ProxyServer::close);
    backends.stop();
  }

  /**
   * {@code /.../status?k=K}: 503 to the first call of key K, 200 after; {@code /slow}: port A
   * answers after 2 s, port B at once; {@code /idle/head}: no head for 2 s; {@code /idle/body}: the
   * head and half the body, then nothing for 2 s.
   */
  private static final class Backend extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      String path = request.getHttpURI().getPath();
      String query = String.valueOf(request.getHttpURI().getQuery());
      boolean onA = Request.getLocalPort(request) == portA;
      if (path.endsWith("/status")) {
        int n = calls.computeIfAbsent(query, k -> new AtomicInteger()).incrementAndGet();
        response.setStatus(n == 1 ? 503 : 200);
        Content.Sink.write(response, true, n == 1 ? "busy" : "ok " + n, callback);
      } else if (path.startsWith("/slow")) {
        later(
            request,
            onA ? 2000 : 0,
            () -> Content.Sink.write(response, true, onA ? "A" : "B", callback));
      } else if (path.equals("/idle/head")) {
        later(request, 2000, () -> Content.Sink.write(response, true, "late", callback));
      } else if (path.equals("/idle/body")) {
        response.getHeaders().put("Content-Length", "8");
        response.write(
            false,
            StandardCharsets.US_ASCII.encode("half"),
            Callback.from(
                () ->
                    later(
                        request,
                        2000,
                        () ->
                            response.write(
                                true, StandardCharsets.US_ASCII.encode("rest"), callback)),
                callback::failed));
      } else {
        Content.Sink.write(response, true, onA ? "A" : "B", callback);
      }
      return true;
    }

    private static void later(Request request, long millis, Runnable task) {
      var unused =
          request.getComponents().getScheduler().schedule(task, millis, TimeUnit.MILLISECONDS);
    }
  }

  private static String send(ProxyServer.Transport transport, String head) throws IOException {
    try (Socket socket =
        new Socket(InetAddress.getLoopbackAddress(), proxies.get(transport).port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return new String(readAll(socket.getInputStream()), StandardCharsets.ISO_8859_1);
    }
  }

  /** Everything until the end of the stream, or until a reset cuts it. */
  private static byte[] readAll(InputStream in) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    try {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        bytes.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // cut short: what arrived is the answer
    }
    return bytes.toByteArray();
  }

  private static String get(ProxyServer.Transport transport, String target) throws IOException {
    return send(
        transport, "GET " + target + " HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n");
  }

  private static String post(ProxyServer.Transport transport, String target) throws IOException {
    return send(
        transport,
        "POST "
            + target
            + " HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
  }

  private static String key() {
    return "k=" + keys.incrementAndGet();
  }

  private static String body(String answer) {
    return answer.substring(answer.indexOf("\r\n\r\n") + 4);
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void dropsAListedStatusAndRelaysTheNextTry(ProxyServer.Transport transport) throws Exception {
    String answer = get(transport, "/status?" + key());

    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(answer).doesNotContainIgnoringCase("busy");
    assertThat(body(answer)).isEqualTo("ok 2");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void relaysAStatusThePolicyDoesNotList(ProxyServer.Transport transport) throws Exception {
    String answer = get(transport, "/plain/status?" + key());

    assertThat(answer).startsWith("HTTP/1.1 503");
    assertThat(body(answer)).isEqualTo("busy");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void retriesAPostOnAStatusOnlyWhenNonIdempotentRetriesAreAllowed(ProxyServer.Transport transport)
      throws Exception {
    assertThat(post(transport, "/status?" + key())).startsWith("HTTP/1.1 503");

    String allowed = post(transport, "/any/status?" + key());
    assertThat(allowed).startsWith("HTTP/1.1 200");
    assertThat(body(allowed)).isEqualTo("ok 2");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void movesATryOnAtItsPerTryTimeout(ProxyServer.Transport transport) throws Exception {
    for (int i = 0; i < 2; i++) { // round robin: one of the two starts on the slow endpoint
      long start = System.nanoTime();
      String answer = get(transport, "/slow?" + key());
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(answer).startsWith("HTTP/1.1 200");
      assertThat(body(answer)).isEqualTo("B");
      assertThat(millis).isLessThan(1500);
    }
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void answers504WhenTheUpstreamIsIdleBeforeTheHead(ProxyServer.Transport transport)
      throws Exception {
    long start = System.nanoTime();
    String answer = get(transport, "/idle/head");
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(answer).startsWith("HTTP/1.1 504");
    assertThat(body(answer)).startsWith("upstream timed out");
    assertThat(millis).isBetween(250L, 1500L);
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void cutsAResponseWhoseUpstreamFallsIdleAfterTheHead(ProxyServer.Transport transport)
      throws Exception {
    long start = System.nanoTime();
    String answer = get(transport, "/idle/body");

    // The head was relayed: the only way left to tell the client is to cut the response short.
    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(body(answer)).isNotEqualTo("halfrest");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1500);
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void forwardsToAHostName(ProxyServer.Transport transport) throws Exception {
    String answer = get(transport, "/named");

    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(body(answer)).isEqualTo("A");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void answersAnUnresolvedHostAtOnce(ProxyServer.Transport transport) throws Exception {
    long start = System.nanoTime();
    String answer = get(transport, "/unresolved");

    assertThat(answer).startsWith("HTTP/1.1 503");
    assertThat(body(answer)).startsWith("upstream host not resolved");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
  }
}
