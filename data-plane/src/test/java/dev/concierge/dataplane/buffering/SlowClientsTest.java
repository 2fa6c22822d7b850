package dev.concierge.dataplane.buffering;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.server.HeaderDeadlineConnectionFactory;
import dev.concierge.dataplane.server.RawClient;
import dev.concierge.dataplane.transport.jetty.JettyProxyTransport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The scenario: many clients send their bodies a byte at a time through a node whose
 * upstream pool has 4 connections, while a normal client's requests keep being answered promptly.
 * Without body buffering the slow requests take all 4 connections and everything else queues behind
 * them until their bodies end.
 */
class SlowClientsTest {
  private static final int SLOW_CLIENTS = 200;
  private static final int BODY_BYTES = 12;
  private static final long TICK_MILLIS = 250;
  private static final int UPSTREAM_CONNECTIONS = 4;

  private final AtomicInteger slowSeenByBackend = new AtomicInteger();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
  private Server backend;
  private Server proxy;
  private int proxyPort;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    backend = new Server();
    ServerConnector backendConnector = new ServerConnector(backend);
    backendConnector.setHost("127.0.0.1");
    backend.addConnector(backendConnector);
    backend.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            if (Request.getPathInContext(request).startsWith("/slow")) {
              slowSeenByBackend.incrementAndGet();
            }
            if (Request.getPathInContext(request).equals("/headers")) {
              String seen =
                  "content-length="
                      + request.getHeaders().get(HttpHeader.CONTENT_LENGTH)
                      + " transfer-encoding="
                      + request.getHeaders().get(HttpHeader.TRANSFER_ENCODING)
                      + " expect="
                      + request.getHeaders().get(HttpHeader.EXPECT);
              Content.Source.consumeAll(
                  request,
                  Callback.from(
                      () ->
                          response.write(
                              true,
                              ByteBuffer.wrap(seen.getBytes(StandardCharsets.UTF_8)),
                              callback),
                      callback::failed));
            } else if (HttpMethod.POST.is(request.getMethod())) {
              Content.copy(request, response, callback);
            } else {
              response.write(
                  true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.UTF_8)), callback);
            }
            return true;
          }
        });
    backend.start();

    // As ProxyServer builds it, with a small upstream pool to make the point.
    QueuedThreadPool threads = new QueuedThreadPool(64, 8);
    proxy = new Server(threads);
    AdmissionPolicy admission = AdmissionPolicy.defaults();
    ServerConnector connector =
        new ServerConnector(
            proxy,
            1,
            -1,
            new HeaderDeadlineConnectionFactory(
                new HttpConfiguration(), admission.headerTimeout()));
    connector.setHost("127.0.0.1");
    connector.setAcceptQueueSize(SLOW_CLIENTS + 50);
    proxy.addConnector(connector);
    RuntimeHolder runtimes = new RuntimeHolder();
    runtimes.set(
        new RuntimeCompiler()
            .compile(
                snapshot(
                    1,
                    List.of(cluster("web", backendConnector.getLocalPort())),
                    List.of(route("web", List.of(), "/", "web")))));
    JettyProxyTransport transport =
        new JettyProxyTransport(
            proxy,
            new JettyProxyTransport.Settings(
                Duration.ofSeconds(5), Duration.ofSeconds(30), UPSTREAM_CONNECTIONS, 64 * 1024));
    proxy.setHandler(
        HandlerChain.of(runtimes, transport, ChainSettings.defaults().withAdmission(admission)));
    proxy.start();
    proxyPort = connector.getLocalPort();

    client = new HttpClient();
    client.start();
  }

  @AfterEach
  void stop() throws Exception {
    ticker.shutdownNow();
    client.stop();
    proxy.stop();
    backend.stop();
  }

  @Test
  void servesOtherClientsWhileManySlowClientsTrickleTheirBodies() throws Exception {
    List<RawClient> slow = new ArrayList<>();
    try {
      for (int i = 0; i < SLOW_CLIENTS; i++) {
        RawClient c = RawClient.connect(proxyPort);
        slow.add(c);
        c.send(
            "POST /slow/"
                + i
                + " HTTP/1.1\r\nHost: test\r\nContent-Length: "
                + BODY_BYTES
                + "\r\n\r\n");
      }
      // Each tick sends every slow client one more byte of its body; they end by themselves.
      AtomicInteger ticks = new AtomicInteger();
      var unused =
          ticker.scheduleAtFixedRate(
              () -> {
                if (ticks.get() >= BODY_BYTES) {
                  return;
                }
                for (RawClient c : slow) {
                  try {
                    c.send("x");
                  } catch (IOException e) {
                    throw new IllegalStateException("slow client cut off", e);
                  }
                }
                ticks.incrementAndGet();
              },
              0,
              TICK_MILLIS,
              TimeUnit.MILLISECONDS);
      await().atMost(Duration.ofSeconds(5)).until(() -> ticks.get() >= 1);

      for (int i = 0; i < 10; i++) {
        ContentResponse get =
            client
                .newRequest("127.0.0.1", proxyPort)
                .path("/fast/" + i)
                .timeout(2, TimeUnit.SECONDS)
                .send();
        assertThat(get.getStatus()).isEqualTo(200);
        assertThat(get.getContentAsString()).isEqualTo("ok");
        ContentResponse post =
            client
                .newRequest("127.0.0.1", proxyPort)
                .path("/fast/post/" + i)
                .method(HttpMethod.POST)
                .body(new StringRequestContent("payload " + i))
                .timeout(2, TimeUnit.SECONDS)
                .send();
        assertThat(post.getStatus()).isEqualTo(200);
        assertThat(post.getContentAsString()).isEqualTo("payload " + i);
      }
      // All of that happened while every slow client was still sending, unseen by the backend.
      assertThat(ticks.get()).isLessThan(BODY_BYTES);
      assertThat(slowSeenByBackend).hasValue(0);

      String body = "x".repeat(BODY_BYTES);
      for (RawClient c : slow) {
        RawClient.Response response = c.readResponse();
        assertThat(response).isNotNull();
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.text()).isEqualTo(body);
      }
      assertThat(slowSeenByBackend).hasValue(SLOW_CLIENTS);
    } finally {
      for (RawClient c : slow) {
        c.close();
      }
    }
  }

  @Test
  void sendsChunkedClientBodyUpstreamWithContentLengthAndWithoutExpect() throws Exception {
    try (RawClient c = RawClient.connect(proxyPort)) {
      c.send(
          "POST /headers HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n"
              + "Expect: 100-continue\r\n\r\n");
      RawClient.Response interim = c.readResponse();
      assertThat(interim.status()).isEqualTo(100);
      c.send("6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n");
      RawClient.Response response = c.readResponse();
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.text()).isEqualTo("content-length=11 transfer-encoding=null expect=null");
    }
  }
}
