package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.UpstreamTls;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.WebSocketComponents;
import org.eclipse.jetty.websocket.core.server.WebSocketUpgradeHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WebSocket through a node: the JDK's client to a Jetty WebSocket echo backend over an HTTP/1.1
 * Upgrade the node relays as a tunnel. Messages flow both ways, the server may speak first, close
 * codes travel both ways, and a backend that is down fails the handshake with 502.
 */
class WebSocketIT {
  @TempDir Path dataDir;
  private Server backend;
  private final BlockingQueue<CloseStatus> backendClosed = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> backendHeaders = new LinkedBlockingQueue<>();
  private Fleet fleet;
  private int port;

  @BeforeEach
  void setUp() throws Exception {
    backend = new Server();
    ServerConnector connector = new ServerConnector(backend);
    connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    connector.setPort(0);
    backend.addConnector(connector);
    WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(new WebSocketComponents());
    upgrades.addMapping("/idle/*", (request, response, callback) -> new Echo());
    upgrades.addMapping(
        "/ws/*",
        (request, response, callback) -> {
          backendHeaders.add(String.valueOf(request.getHeaders().get("X-Forwarded-For")));
          return new Echo();
        });
    backend.setHandler(upgrades);
    backend.start();
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("echo", connector.getLocalPort());
    fleet.createCluster("down", closedPort);
    fleet.createRoute("ws", "/ws/", "echo");
    fleet.createRoute("down", "/down/", "down");
    Route idle = Fleet.routeTo("/idle/", "echo");
    fleet.createRoute(
        "idle",
        idle.toBuilder()
            .setForward(
                idle.getForward().toBuilder()
                    .setIdleTimeout(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000))
                    .setResponseHeaders(
                        HeaderMutations.newBuilder()
                            .addAdd(
                                HeaderValue.newBuilder().setName("X-Route").setValue("${route}"))))
            .build());
    fleet.awaitSynced();
    port = fleet.nodes().get(0).httpPort();
  }

  @AfterEach
  void tearDown() throws Exception {
    fleet.close();
    backend.stop();
  }

  /** Echoes data frames; says "welcome" first; closes with 4001 when told "bye". */
  private final class Echo implements FrameHandler {
    private CoreSession session;

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
      session = coreSession;
      callback.succeeded();
      session.sendFrame(new Frame(OpCode.TEXT, "welcome"), Callback.NOOP, false);
      session.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
      if (frame.getOpCode() == OpCode.TEXT && "bye".equals(frame.getPayloadAsUTF8())) {
        callback.succeeded();
        session.close(4001, "server bye", Callback.NOOP);
      } else if (frame.isDataFrame()) {
        ByteBuffer copy = ByteBuffer.allocate(frame.getPayload().remaining());
        copy.put(frame.getPayload().slice()).flip();
        session.sendFrame(new Frame(frame.getOpCode(), frame.isFin(), copy), callback, false);
      } else {
        callback.succeeded();
      }
      session.demand();
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
      callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
      backendClosed.add(closeStatus);
      callback.succeeded();
    }
  }

  /** What the client saw, in order. */
  private static final class Recorder implements WebSocket.Listener {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final StringBuilder text = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      text.append(data);
      if (last) {
        events.add("text:" + text);
        text.setLength(0);
      }
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
      byte[] bytes = new byte[data.remaining()];
      data.get(bytes);
      events.add("binary:" + java.util.Arrays.toString(bytes));
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      events.add("close:" + statusCode + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      events.add("error:" + error.getClass().getSimpleName());
    }

    String next() throws InterruptedException {
      String event = events.poll(10, TimeUnit.SECONDS);
      return event == null ? "nothing within 10 s" : event;
    }
  }

  private WebSocket connect(String path, Recorder recorder) throws Exception {
    return HttpClient.newHttpClient()
        .newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + port + path), recorder)
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void relaysTextAndBinaryBothWaysAndTheServersFirstMessage() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/echo", recorder);

    assertThat(recorder.next()).isEqualTo("text:welcome");
    ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("text:hello");
    ws.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).get(10, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("binary:[1, 2, 3]");
    String big = "x".repeat(200_000);
    ws.sendText(big, true).get(10, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("text:" + big);
    assertThat(backendHeaders.poll(10, TimeUnit.SECONDS)).isEqualTo("127.0.0.1");

    ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("close:1000 done");
  }

  @Test
  void carriesTheClientsCloseCodeToTheBackend() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/echo", recorder);
    assertThat(recorder.next()).isEqualTo("text:welcome");

    ws.sendClose(4000, "client bye").get(10, TimeUnit.SECONDS);

    CloseStatus closed = backendClosed.poll(10, TimeUnit.SECONDS);
    assertThat(closed).isNotNull();
    assertThat(closed.getCode()).isEqualTo(4000);
    assertThat(closed.getReason()).isEqualTo("client bye");
  }

  @Test
  void carriesTheBackendsCloseCodeToTheClient() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/echo", recorder);
    assertThat(recorder.next()).isEqualTo("text:welcome");

    ws.sendText("bye", true).get(10, TimeUnit.SECONDS);

    assertThat(recorder.next()).isEqualTo("close:4001 server bye");
  }

  @Test
  void closesAnIdleTunnelAfterTheRoutesIdleTimeoutBothWays() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/idle/echo", recorder);
    assertThat(recorder.next()).isEqualTo("text:welcome");
    ws.sendText("still there", true).get(10, TimeUnit.SECONDS);
    assertThat(recorder.next()).isEqualTo("text:still there");

    // Nothing more either way: after 300 ms the node closes both legs, without close frames
    // (the JDK client reports that as 1006, abnormal closure).
    assertThat(recorder.next()).matches("close:1006.*|error:.*");
    CloseStatus closed = backendClosed.poll(10, TimeUnit.SECONDS);
    assertThat(closed).isNotNull();
    assertThat(closed.getCode()).isEqualTo(CloseStatus.NO_CLOSE);
  }

  @Test
  void theRoutesResponseHeadersGoOnThe101() throws Exception {
    try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      socket
          .getOutputStream()
          .write(
              ("GET /idle/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                      + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 13\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      StringBuilder head = new StringBuilder();
      java.io.InputStream in = socket.getInputStream();
      while (head.indexOf("\r\n\r\n") < 0) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        head.append((char) b);
      }
      assertThat(head.toString())
          .startsWith("HTTP/1.1 101")
          .containsIgnoringCase("\r\nX-Route: idle\r\n")
          .containsIgnoringCase("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
      assertThat(head.toString().split("\r\nDate: ", -1)).as("one Date header").hasSize(2);
    }
  }

  @Test
  void keepsABusyTunnelOpenPastTheIdleTimeout() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/idle/echo", recorder);
    assertThat(recorder.next()).isEqualTo("text:welcome");
    long start = System.nanoTime();
    int sent = 0;
    // Back-to-back round trips for over three idle timeouts: traffic keeps the tunnel open.
    while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1_000)) {
      ws.sendText("ping" + sent, true).get(10, TimeUnit.SECONDS);
      assertThat(recorder.next()).isEqualTo("text:ping" + sent);
      sent++;
    }
    assertThat(backendClosed).isEmpty();
  }

  @Test
  void tunnelsToATlsClusterVerifiedAndRefusesABackendWithTheWrongName() throws Exception {
    TestCa ca = TestCa.create("WebSocket CA");
    Server secure = new Server();
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(ca.issue("ws.backend.test").keyStore());
    ssl.setKeyStorePassword("secret");
    ssl.setSniRequired(false);
    HttpConfiguration http = new HttpConfiguration();
    SecureRequestCustomizer customizer = new SecureRequestCustomizer();
    customizer.setSniHostCheck(false);
    http.addCustomizer(customizer);
    ServerConnector connector =
        new ServerConnector(
            secure, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
    secure.addConnector(connector);
    WebSocketUpgradeHandler upgrades = new WebSocketUpgradeHandler(new WebSocketComponents());
    upgrades.addMapping(
        "/*",
        (request, response, callback) -> {
          backendHeaders.add(String.valueOf(request.isSecure()));
          return new Echo();
        });
    secure.setHandler(upgrades);
    secure.start();
    try {
      for (String[] cluster :
          new String[][] {{"wss", "ws.backend.test"}, {"wrong-name", "other.test"}}) {
        fleet
            .api()
            .createCluster(
                CreateClusterRequest.newBuilder()
                    .setClusterId(cluster[0])
                    .setCluster(
                        Cluster.newBuilder()
                            .addEndpoints(
                                Endpoint.newBuilder()
                                    .setHost("127.0.0.1")
                                    .setPort(connector.getLocalPort()))
                            .setTls(
                                UpstreamTls.newBuilder()
                                    .setCaBundle(ca.pem())
                                    .setServerName(cluster[1])))
                    .build());
        fleet.createRoute(cluster[0], "/" + cluster[0] + "/", cluster[0]);
      }
      fleet.awaitSynced();

      Recorder recorder = new Recorder();
      WebSocket ws = connect("/wss/echo", recorder);
      assertThat(recorder.next()).isEqualTo("text:welcome");
      assertThat(backendHeaders.poll(10, TimeUnit.SECONDS)).isEqualTo("true");
      ws.sendText("over tls", true).get(10, TimeUnit.SECONDS);
      assertThat(recorder.next()).isEqualTo("text:over tls");
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
      assertThat(recorder.next()).isEqualTo("close:1000 done");

      assertThatThrownBy(() -> connect("/wrong-name/echo", new Recorder()))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              WebSocketHandshakeException.class,
              e -> assertThat(e.getResponse().statusCode()).isEqualTo(502));
    } finally {
      secure.stop();
    }
  }

  @Test
  void failsTheHandshakeWith502WhenTheBackendIsDown() {
    assertThatThrownBy(() -> connect("/down/x", new Recorder()))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(
            WebSocketHandshakeException.class,
            e -> assertThat(e.getResponse().statusCode()).isEqualTo(502));
  }

  @Test
  void plainRequestsStillWorkNextToTunnels() throws Exception {
    Recorder recorder = new Recorder();
    WebSocket ws = connect("/ws/echo", recorder);
    assertThat(recorder.next()).isEqualTo("text:welcome");
    CompletableFuture<?> unused = ws.sendText("still here", true);
    assertThat(recorder.next()).isEqualTo("text:still here");
    // A plain request to the same backend is answered by it (Jetty: 404 without a handler).
    var response = Http.send(Http.request(port, "/ws/plain"), java.time.Duration.ofSeconds(10));
    assertThat(response.statusCode()).isEqualTo(404);
  }
}
