package dev.concierge.dataplane.transport.lean;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.ProxyServer;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.transport.lean.RawBackend.Answer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Framing, keep-alive and threading rules of {@link LeanProxyTransport}, against raw and Jetty
 * backends.
 */
class LeanProxyTest {
  private static final byte[] LARGE = new byte[100 * 1024];
  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  private static Server jetty;
  private static int jettyPort;
  private static final List<RawBackend> raws = new ArrayList<>();
  private static RawBackend chunked;
  private static RawBackend cut;
  private static RawBackend closer;
  private static RawBackend staleGet;
  private static RawBackend stalePost;
  private static RawBackend stalePut;
  private static RawBackend noBody;
  private static RawBackend connClose;
  private static RawBackend inspect;
  private static RawBackend gated;
  private static RawBackend http10;
  private static RawBackend http10KeepAlive;
  private static final CountDownLatch GATE = new CountDownLatch(1);
  private static ProxyServer proxy;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    new Random(7).nextBytes(LARGE);
    jetty = new Server();
    ServerConnector c = new ServerConnector(jetty);
    c.setHost("127.0.0.1");
    jetty.addConnector(c);
    jetty.setHandler(new JettyBackend());
    jetty.start();
    jettyPort = c.getLocalPort();

    chunked =
        raw(
            (head, body, i) ->
                head.startsWith("GET /chunked/eof")
                    ? Answer.close(
                        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
                    : Answer.keep(
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
    cut =
        raw(
            (head, body, i) ->
                head.startsWith("GET /cut ")
                    ? Answer.close("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n0123456789")
                    : Answer.keep(OK));
    closer = raw((head, body, i) -> Answer.close(OK)); // no Connection: close, just closes
    staleGet = raw((head, body, i) -> i == 0 ? Answer.keep(OK) : null);
    stalePost = raw((head, body, i) -> i == 0 ? Answer.keep(OK) : null);
    // Answers the first request on each connection (echoing a PUT's body), then closes silently.
    stalePut =
        raw(
            (head, body, i) ->
                i > 0
                    ? null
                    : !head.startsWith("PUT")
                        ? Answer.keep(OK)
                        : Answer.keep(
                            "HTTP/1.1 200 OK\r\nContent-Length: "
                                + body.length
                                + "\r\n\r\n"
                                + new String(body, StandardCharsets.ISO_8859_1)));
    noBody =
        raw(
            (head, body, i) -> {
              if (head.startsWith("GET /nobody/204") || head.startsWith("DELETE")) {
                return Answer.keep("HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n");
              }
              if (head.startsWith("GET /nobody/interim")) {
                return Answer.keep("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + OK);
              }
              if (head.startsWith("GET /nobody/304")) {
                return Answer.keep("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n");
              }
              return Answer.keep(OK);
            });
    connClose =
        raw(
            (head, body, i) ->
                Answer.keep("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
    inspect =
        raw(
            (head, body, i) ->
                Answer.keep(
                    "HTTP/1.1 200 OK\r\nContent-Length: "
                        + body.length
                        + "\r\n\r\n"
                        + new String(body, StandardCharsets.ISO_8859_1)));

    // HTTP/1.0 answers that leave the socket open: reusable only with Connection: keep-alive.
    http10 = raw((head, body, i) -> Answer.keep("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    http10KeepAlive =
        raw(
            (head, body, i) ->
                Answer.keep(
                    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"));
    // Answers with the request's path; holds ".../first" until the test opens the gate.
    gated =
        raw(
            (head, body, i) -> {
              String path =
                  head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
              if (path.endsWith("/first")) {
                try {
                  GATE.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return Answer.keep(
                  "HTTP/1.1 200 OK\r\nContent-Length: " + path.length() + "\r\n\r\n" + path);
            });

    List<Cluster> clusters =
        List.of(
            cluster("jetty", jettyPort),
            cluster("chunked", chunked.port()),
            cluster("cut", cut.port()),
            cluster("closer", closer.port()),
            cluster("staleget", staleGet.port()),
            cluster("stalepost", stalePost.port()),
            cluster("staleput", stalePut.port()),
            cluster("nobody", noBody.port()),
            cluster("connclose", connClose.port()),
            cluster("inspect", inspect.port()),
            cluster("gated", gated.port()),
            cluster("http10", http10.port()),
            cluster("http10ka", http10KeepAlive.port()));
    List<Route> routes =
        List.of(
            route("chunked", List.of(), "/chunked", "chunked"),
            route("cut", List.of(), "/cut", "cut"),
            route("aftercut", List.of(), "/after-cut", "cut"),
            route("closer", List.of(), "/closer", "closer"),
            route("staleget", List.of(), "/stale-get", "staleget"),
            route("stalepost", List.of(), "/stale-post", "stalepost"),
            route("staleput", List.of(), "/stale-put", "staleput"),
            route("nobody", List.of(), "/nobody", "nobody"),
            route("connclose", List.of(), "/connclose", "connclose"),
            route("inspect", List.of(), "/inspect", "inspect"),
            route("gated", List.of(), "/gated", "gated"),
            route("http10ka", List.of(), "/http10/ka", "http10ka"),
            route("http10", List.of(), "/http10", "http10"),
            route("jetty", List.of(), "/", "jetty"));
    RuntimeHolder runtimes = new RuntimeHolder();
    runtimes.set(new RuntimeCompiler().compile(snapshot(1, clusters, routes)));
    proxy =
        new ProxyServer(
                "127.0.0.1", 0, runtimes, ChainSettings.defaults(), ProxyServer.Transport.LEAN)
            .start();
    client = new HttpClient();
    client.start();
  }

  private static RawBackend raw(RawBackend.Script script) throws IOException {
    RawBackend backend = new RawBackend(script);
    raws.add(backend);
    return backend;
  }

  @AfterAll
  static void stop() throws Exception {
    client.stop();
    proxy.close();
    jetty.stop();
    for (RawBackend backend : raws) {
      backend.close();
    }
  }

  /** LARGE in 10 KiB pieces with no length: the client sends it chunked. */
  private static AsyncRequestContent chunkedLarge() {
    AsyncRequestContent content = new AsyncRequestContent("application/octet-stream");
    for (int offset = 0; offset < LARGE.length; offset += 10 * 1024) {
      content.write(
          ByteBuffer.wrap(LARGE, offset, Math.min(10 * 1024, LARGE.length - offset)),
          Callback.NOOP);
    }
    content.close();
    return content;
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + proxy.port() + path;
  }

  /** Echoes bodies, tells its client's port, serves a large body. */
  private static final class JettyBackend extends Handler.Abstract.NonBlocking {
    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      response.getHeaders().put("X-Remote-Port", String.valueOf(Request.getRemotePort(request)));
      switch (Request.getPathInContext(request)) {
        case "/echo" -> Content.copy(request, response, callback);
        case "/large" -> response.write(true, ByteBuffer.wrap(LARGE), callback);
        default -> Content.Sink.write(response, true, "port", callback);
      }
      return true;
    }
  }

  /** One request on a fresh client connection; returns everything read until the proxy closes. */
  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      return readUntilClosed(socket.getInputStream());
    }
  }

  /** One keep-alive request; reads until the answer ends with {@code end}. */
  private static String rawUntil(String request, String end) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(5000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = socket.getInputStream();
      StringBuilder answer = new StringBuilder();
      byte[] buffer = new byte[8192];
      while (answer.length() < end.length() || !answer.toString().endsWith(end)) {
        int n = in.read(buffer);
        assertThat(n).as("answer so far: %s", answer).isPositive();
        answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
      }
      return answer.toString();
    }
  }

  private static String readUntilClosed(InputStream in) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        bytes.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // a reset ends the response just as well
    }
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void relaysAChunkedUpstreamResponseIntactAndReusesTheConnection() throws Exception {
    ContentResponse first = client.GET(url("/chunked/a"));
    ContentResponse second = client.GET(url("/chunked/b"));
    String rawAnswer = rawUntil("GET /chunked/c HTTP/1.1\r\nHost: a.test\r\n\r\n", "0\r\n\r\n");

    assertThat(first.getContentAsString()).isEqualTo("hello world");
    assertThat(second.getContentAsString()).isEqualTo("hello world");
    assertThat(rawAnswer)
        .startsWith("HTTP/1.1 200")
        .containsIgnoringCase("Transfer-Encoding: chunked")
        .doesNotContainIgnoringCase("Content-Length");
    assertThat(chunked.connections.get()).isEqualTo(1);
  }

  @Test
  void relaysACloseDelimitedResponseChunked() throws Exception {
    String answer = rawUntil("GET /chunked/eof HTTP/1.1\r\nHost: a.test\r\n\r\n", "0\r\n\r\n");

    assertThat(answer)
        .startsWith("HTTP/1.1 200")
        .containsIgnoringCase("Transfer-Encoding: chunked")
        .contains("until the end")
        .endsWith("0\r\n\r\n");
  }

  @Test
  void abortsAResponseCutMidBodyAndUsesAFreshConnectionNext() throws Exception {
    String answer = raw("GET /cut HTTP/1.1\r\nHost: a.test\r\n\r\n");

    // The client sees the promised length, 10 bytes and then the connection ends: never complete.
    assertThat(answer).startsWith("HTTP/1.1 200").contains("Content-Length: 1000");
    assertThat(answer.substring(answer.indexOf("\r\n\r\n") + 4)).isEqualTo("0123456789");

    ContentResponse next = client.GET(url("/after-cut"));
    assertThat(next.getStatus()).isEqualTo(200);
    assertThat(next.getContentAsString()).isEqualTo("ok");
    assertThat(cut.connections.get()).isEqualTo(2);
  }

  @Test
  void keepsSucceedingWhenTheBackendClosesEveryConnection() throws Exception {
    for (int i = 0; i < 10; i++) {
      ContentResponse response = client.GET(url("/closer/" + i));
      assertThat(response.getStatus()).isEqualTo(200);
      assertThat(response.getContentAsString()).isEqualTo("ok");
    }
    assertThat(closer.connections.get()).isEqualTo(10);
  }

  @Test
  void retriesAnIdempotentRequestOnceWhenThePooledConnectionWasClosed() throws Exception {
    ContentResponse first = client.GET(url("/stale-get/1"));
    // The backend reads this one on the pooled connection and closes it without a byte.
    ContentResponse second = client.GET(url("/stale-get/2"));

    assertThat(first.getStatus()).isEqualTo(200);
    assertThat(second.getStatus()).isEqualTo(200);
    assertThat(second.getContentAsString()).isEqualTo("ok");
    assertThat(staleGet.connections.get()).isEqualTo(2);
  }

  @Test
  void doesNotRetryAPostWhenThePooledConnectionWasClosed() throws Exception {
    // One client connection, one request after the other: the POST surely finds the pooled
    // upstream connection, which the backend then closes without a byte.
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(
          "GET /stale-post/1 HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(in, "\r\n\r\nok")).startsWith("HTTP/1.1 200");
      out.write(
          "POST /stale-post/2 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 3\r\n\r\nabc"
              .getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(in, "upstream connection reset\n")).startsWith("HTTP/1.1 502");
    }
    assertThat(stalePost.connections.get()).isEqualTo(1);
  }

  @Test
  void retriesAPutWithItsBufferedBodyWhenThePooledConnectionWasClosed() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(
          "GET /stale-put/1 HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(in, "\r\n\r\nok")).startsWith("HTTP/1.1 200");
      // The pooled connection is stale: the body must go again, whole, on a fresh one.
      out.write(
          "PUT /stale-put/2 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 11\r\n\r\nhello world"
              .getBytes(StandardCharsets.US_ASCII));
      assertThat(readUntil(in, "\r\n\r\nhello world")).startsWith("HTTP/1.1 200");
    }
    assertThat(stalePut.connections.get()).isEqualTo(2);
  }

  private static String readUntil(InputStream in, String end) throws IOException {
    StringBuilder answer = new StringBuilder();
    byte[] buffer = new byte[8192];
    while (!answer.toString().endsWith(end) && !answer.toString().contains(end + "request-id: ")) {
      int n;
      try {
        n = in.read(buffer);
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("timed out; answer so far: " + answer, e);
      }
      assertThat(n).as("answer so far: %s", answer).isPositive();
      answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
    }
    return answer.toString();
  }

  @Test
  void streamsA100KibRequestBodyWrittenInPiecesIntact() throws Exception {
    ContentResponse echoed =
        client.POST(url("/echo")).body(chunkedLarge()).timeout(10, TimeUnit.SECONDS).send();

    assertThat(echoed.getStatus()).isEqualTo(200);
    assertThat(echoed.getContent()).isEqualTo(LARGE);
  }

  @Test
  void reframesRequestBodiesAndDropsExpect() throws Exception {
    ContentResponse sized =
        client
            .POST(url("/inspect/sized"))
            .body(new BytesRequestContent("application/octet-stream", LARGE))
            .headers(h -> h.put(HttpHeader.EXPECT, "100-continue"))
            .timeout(10, TimeUnit.SECONDS)
            .send();
    StringBuilder chunkedRequest =
        new StringBuilder(
            "POST /inspect/streamed HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n");
    String body = new String(LARGE, StandardCharsets.ISO_8859_1);
    for (int offset = 0; offset < body.length(); offset += 10_000) {
      String piece = body.substring(offset, Math.min(body.length(), offset + 10_000));
      chunkedRequest
          .append(Integer.toHexString(piece.length()))
          .append("\r\n")
          .append(piece)
          .append("\r\n");
    }
    String streamedAnswer = raw(chunkedRequest.append("0\r\n\r\n").toString());

    assertThat(sized.getContent()).isEqualTo(LARGE);
    assertThat(streamedAnswer).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n" + body);
    String sizedHead =
        inspect.heads.stream()
            .filter(h -> h.startsWith("POST /inspect/sized"))
            .findFirst()
            .orElseThrow()
            .toLowerCase(Locale.ROOT);
    String streamedHead =
        inspect.heads.stream()
            .filter(h -> h.startsWith("POST /inspect/streamed"))
            .findFirst()
            .orElseThrow()
            .toLowerCase(Locale.ROOT);
    assertThat(sizedHead)
        .contains("content-length: 102400")
        .doesNotContain("transfer-encoding", "expect");
    // The admission stage buffers the chunked body first, so upstream it has a known length too.
    assertThat(streamedHead).contains("content-length: 102400").doesNotContain("transfer-encoding");
  }

  @Test
  void reusesOneUpstreamConnectionForSequentialRequestsIncludingHead() throws Exception {
    Set<String> ports = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      ports.add(client.GET(url("/port")).getHeaders().get("X-Remote-Port"));
    }
    ContentResponse head = client.newRequest(url("/large")).method(HttpMethod.HEAD).send();
    ports.add(head.getHeaders().get("X-Remote-Port"));
    ports.add(client.GET(url("/port")).getHeaders().get("X-Remote-Port"));

    assertThat(head.getStatus()).isEqualTo(200);
    assertThat(head.getHeaders().get(HttpHeader.CONTENT_LENGTH)).isEqualTo("102400");
    assertThat(head.getContent()).isEmpty();
    assertThat(ports).hasSize(1);
  }

  @Test
  void answersARequestPipelinedWhileTheFirstIsInFlightInOrder() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /gated/first HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      await().atMost(5, TimeUnit.SECONDS).until(() -> gated.heads.size() == 1);
      // Readable while the node waits on the backend with no read pending: it must neither lose
      // these bytes nor read them before the first response is done.
      out.write(
          "GET /gated/second HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      GATE.countDown();

      String answers = readUntil(socket.getInputStream(), "/gated/second");
      assertThat(answers.indexOf("/gated/first"))
          .isPositive()
          .isLessThan(answers.indexOf("HTTP/1.1 200", answers.indexOf("/gated/first")));
      assertThat(answers.split("HTTP/1.1 200 ", -1)).hasSize(3);
    }
  }

  @Test
  void relays204And304WithoutBodiesSkips1xxAndKeepsTheConnection() throws Exception {
    ContentResponse noContent = client.GET(url("/nobody/204"));
    ContentResponse notModified = client.GET(url("/nobody/304"));
    ContentResponse interim = client.GET(url("/nobody/interim"));
    ContentResponse ok = client.GET(url("/nobody/ok"));

    assertThat(noContent.getStatus()).isEqualTo(204);
    assertThat(noContent.getContent()).isEmpty();
    assertThat(noContent.getHeaders().get("X-A")).isEqualTo("1");
    assertThat(notModified.getStatus()).isEqualTo(304);
    assertThat(notModified.getHeaders().get(HttpHeader.ETAG)).isEqualTo("\"x\"");
    assertThat(interim.getStatus()).isEqualTo(200);
    assertThat(interim.getContentAsString()).isEqualTo("ok");
    assertThat(interim.getHeaders().get("Link")).isNull(); // interim responses are not relayed
    assertThat(ok.getContentAsString()).isEqualTo("ok");
    assertThat(noBody.connections.get()).isEqualTo(1);
  }

  @Test
  void reusesAnHttp10ConnectionOnlyWhenTheBackendSaidKeepAlive() throws Exception {
    for (int i = 0; i < 2; i++) {
      assertThat(client.GET(url("/http10/plain/" + i)).getContentAsString()).isEqualTo("ok");
      assertThat(client.GET(url("/http10/ka/" + i)).getContentAsString()).isEqualTo("ok");
    }

    assertThat(http10.connections.get()).isEqualTo(2);
    assertThat(http10KeepAlive.connections.get()).isEqualTo(1);
  }

  @Test
  void honoursConnectionCloseFromTheBackend() throws Exception {
    ContentResponse first = client.GET(url("/connclose/1"));
    ContentResponse second = client.GET(url("/connclose/2"));

    assertThat(first.getContentAsString()).isEqualTo("ok");
    assertThat(second.getContentAsString()).isEqualTo("ok");
    assertThat(first.getHeaders().get(HttpHeader.CONNECTION)).isNull();
    assertThat(connClose.connections.get()).isEqualTo(2);
  }

  @Test
  void answers504WhenTheClustersConnectTimeoutElapses() throws Exception {
    // A listener that never accepts, its backlog filled: further SYNs go unanswered.
    try (java.net.ServerSocket full =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      List<Socket> fillers = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          Socket filler = new Socket();
          try {
            filler.connect(full.getLocalSocketAddress(), 200);
          } catch (IOException e) {
            // the backlog is already full
          }
          fillers.add(filler);
        }
        Cluster slow =
            cluster("slow", full.getLocalPort()).toBuilder()
                .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000))
                .build();
        RuntimeHolder runtimes = new RuntimeHolder();
        runtimes.set(
            new RuntimeCompiler()
                .compile(
                    snapshot(1, List.of(slow), List.of(route("slow", List.of(), "/", "slow")))));
        try (ProxyServer other = new ProxyServer("127.0.0.1", 0, runtimes).start()) {
          long start = System.nanoTime();
          ContentResponse response =
              client
                  .newRequest("http://127.0.0.1:" + other.port() + "/x")
                  .timeout(10, TimeUnit.SECONDS)
                  .send();

          assertThat(response.getStatus()).isEqualTo(504);
          assertThat(response.getContentAsString()).startsWith("upstream timed out\nrequest-id: ");
          assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        }
      } finally {
        for (Socket filler : fillers) {
          filler.close();
        }
      }
    }
  }

  @Test
  void registersEachUpstreamConnectionWithItsClientConnectionsSelector() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(16, 4);
    Server server = new Server(threads);
    LeanConnector connector =
        new LeanConnector(server, 1, 4, new HttpConnectionFactory(new HttpConfiguration()));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    RuntimeHolder runtimes = new RuntimeHolder();
    runtimes.set(
        new RuntimeCompiler()
            .compile(
                snapshot(
                    1,
                    List.of(cluster("jetty", jettyPort)),
                    List.of(route("jetty", List.of(), "/", "jetty")))));
    server.setHandler(
        HandlerChain.of(
            runtimes,
            new LeanProxyTransport(connector, LeanProxyTransport.Settings.defaults()),
            ChainSettings.defaults()));
    server.start();
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 8; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort());
        socket.setSoTimeout(5000);
        sockets.add(socket);
        socket
            .getOutputStream()
            .write(
                "GET /port HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      for (Socket socket : sockets) {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        StringBuilder answer = new StringBuilder();
        while (!answer.toString().endsWith("port")) {
          int n = in.read(buffer);
          assertThat(n).isPositive();
          answer.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
        assertThat(answer.toString()).startsWith("HTTP/1.1 200");
      }

      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () -> {
                int selectorsUsed = 0;
                int idle = 0;
                for (LeanConnector.SelectorPools pools : connector.allPools()) {
                  boolean used = false;
                  for (UpstreamPool pool : pools.all()) {
                    for (UpstreamConnection connection : pool.idleConnections()) {
                      LeanConnector.UpstreamEndPoint endPoint =
                          (LeanConnector.UpstreamEndPoint) connection.getEndPoint();
                      assertThat(endPoint.registeredWith()).isSameAs(pools.selector.getSelector());
                      assertThat(connection.selector()).isSameAs(pools.selector);
                      used = true;
                      idle++;
                    }
                  }
                  selectorsUsed += used ? 1 : 0;
                }
                // Each of the 4 selectors served 2 of the 8 client connections, and so has a pool.
                assertThat(selectorsUsed).isEqualTo(4);
                assertThat(idle).isBetween(4, 8);
              });
    } finally {
      for (Socket socket : sockets) {
        socket.close();
      }
      server.stop();
    }
  }
}
