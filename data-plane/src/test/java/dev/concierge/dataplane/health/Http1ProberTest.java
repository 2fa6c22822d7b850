package dev.concierge.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.dataplane.cluster.Endpoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Http1ProberTest {
  private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(5);
  private static final String PASSED = "passed";

  private @Nullable Http1Prober prober;
  private @Nullable ScriptedBackend backend;

  @AfterEach
  void tearDown() throws Exception {
    if (prober != null) {
      prober.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  @ParameterizedTest
  @CsvSource({"200, passed", "204, passed", "404, passed", "302, status 302", "503, status 503"})
  void passesOnlyOnAnExpectedStatus(int status, String outcome) throws Exception {
    start((request, out) -> respond(out, status + " Whatever", "", ""));
    HealthCheckPolicy.HttpCheck http =
        new HealthCheckPolicy.HttpCheck("/healthz", false, null, List.of(200, 299, 404, 404), null);
    assertThat(check(http)).isEqualTo(outcome);
  }

  @Test
  void sendsGetWithTheEndpointAsHostAndItsOwnUserAgent() throws Exception {
    ScriptedBackend server = start((request, out) -> respond(out, "200 OK", "", ""));
    assertThat(check(get("/healthz?deep=1", null))).isEqualTo(PASSED);
    String request = server.requests.remove();
    assertThat(request)
        .startsWith("GET /healthz?deep=1 HTTP/1.1\r\n")
        .contains("\r\nHost: 127.0.0.1:" + server.port() + "\r\n")
        .contains("\r\nUser-Agent: concierge-health-check\r\n");
  }

  @Test
  void sendsHeadWithTheConfiguredHostAndReadsNoBodyDespiteContentLength() throws Exception {
    ScriptedBackend server =
        start((request, out) -> send(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"));
    HealthCheckPolicy.HttpCheck head =
        new HealthCheckPolicy.HttpCheck("/ping", true, "health.example", List.of(200, 299), null);
    assertThat(check(head)).isEqualTo(PASSED);
    // Had the prober waited for 100 body bytes, this check would time out; it reuses the
    // connection.
    assertThat(check(head)).isEqualTo(PASSED);
    assertThat(server.accepted.get()).isOne();
    assertThat(server.requests.remove())
        .startsWith("HEAD /ping HTTP/1.1\r\n")
        .contains("\r\nHost: health.example\r\n");
  }

  @Test
  void findsTheBodyTextSpreadOverManyReads() throws Exception {
    start(
        4, (request, out) -> respond(out, "200 OK", "", "{\"status\": \"ok\", \"db\": \"fine\"}"));
    assertThat(check(get("/", "\"db\": \"fine\""))).isEqualTo(PASSED);
    assertThat(check(get("/", "\"db\": \"down\""))).isEqualTo("body lacks \"\"db\": \"down\"\"");
  }

  @Test
  void findsTheBodyTextAcrossChunksWithExtensionsAndTrailers() throws Exception {
    start(
        5,
        (request, out) ->
            send(
                out,
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "3;ext=1\r\nsta\r\n"
                    + "A\r\ntus: ready\r\n"
                    + "0\r\nX-Checked: yes\r\n\r\n"));
    assertThat(check(get("/", "status: ready"))).isEqualTo(PASSED);
    assertThat(check(get("/", "status: broken"))).startsWith("body lacks");
    assertThat(backend.accepted.get()).as("a complete chunked body keeps the connection").isOne();
  }

  @Test
  void readsACloseDelimitedBodyToTheEnd() throws Exception {
    ScriptedBackend server =
        start(
            (request, out) -> {
              out.write(ascii("HTTP/1.1 200 OK\r\n\r\nfirst part, "));
              out.flush();
              out.write(ascii("then the word we want"));
              return false; // close: the end of the body
            });
    assertThat(check(get("/", "we want"))).isEqualTo(PASSED);
    assertThat(check(get("/", "absent"))).startsWith("body lacks");
    assertThat(server.accepted.get()).isEqualTo(2);
  }

  @Test
  void looksOnlyAtTheFirst64KiBOfABody() throws Exception {
    String big = "x".repeat(100 * 1024) + "needle";
    start(
        (request, out) -> respond(out, "200 OK", "Content-Length: " + big.length() + "\r\n", big));
    assertThat(check(get("/", "needle"))).isEqualTo("body lacks \"needle\"");
    assertThat(check(get("/", "xxx"))).isEqualTo(PASSED);
  }

  @Test
  void looksOnlyAtTheFirst64KiBOfAChunkedBody() throws Exception {
    String chunk = "y".repeat(16 * 1024);
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      body.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
    }
    body.append("6\r\nneedle\r\n0\r\n\r\n");
    start(
        (request, out) ->
            send(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body));
    assertThat(check(get("/", "needle"))).isEqualTo("body lacks \"needle\"");
  }

  @Test
  void aSlowServerTimesOut() throws Exception {
    start(
        (request, out) -> {
          out.flush();
          return true; // never answers
        });
    HealthCheckPolicy policy =
        new HealthCheckPolicy(
            TimeUnit.SECONDS.toNanos(1),
            TimeUnit.MILLISECONDS.toNanos(200),
            1,
            1,
            0,
            get("/", null));
    assertThat(check(policy)).isEqualTo("timed out after 200 ms");
    await().until(() -> prober.openConnections() == 0);
  }

  @Test
  void aRefusedConnectionFails() throws Exception {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    prober = Http1Prober.start();
    assertThat(check(port, policy(get("/", null)))).contains("Connection refused");
    assertThat(prober.openConnections()).isZero();
  }

  @Test
  void aGarbageAnswerIsMalformed() throws Exception {
    start((request, out) -> send(out, "SSH-2.0-OpenSSH_9.6\r\n\r\n"));
    assertThat(check(get("/", null))).isEqualTo("malformed response: bad status line");
  }

  @Test
  void aBodyCutShortIsMalformed() throws Exception {
    start(
        (request, out) -> {
          out.write(ascii("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
          return false;
        });
    assertThat(check(get("/", null)))
        .isEqualTo("malformed response: connection closed before the response ended");
  }

  @Test
  void keepsOneConnectionAcrossChecksUnlessTheServerSaysClose() throws Exception {
    ScriptedBackend server = start((request, out) -> respond(out, "200 OK", "", ""));
    for (int i = 0; i < 3; i++) {
      assertThat(check(get("/", null))).isEqualTo(PASSED);
    }
    assertThat(server.accepted.get()).isOne();
    assertThat(prober.openConnections()).isOne();

    server.responder = (request, out) -> respond(out, "200 OK", "Connection: close\r\n", "");
    assertThat(check(get("/", null))).isEqualTo(PASSED); // on the kept connection, then closed
    assertThat(prober.openConnections()).isZero();
    assertThat(check(get("/", null))).isEqualTo(PASSED);
    assertThat(server.accepted.get()).isEqualTo(2);
    assertThat(prober.openConnections()).isZero();
  }

  @Test
  void aKeptConnectionTheServerClosedIsReplacedWithoutAFailedCheck() throws Exception {
    ScriptedBackend server =
        start(
            (request, out) -> {
              respond(out, "200 OK", "", "");
              return false; // closes without saying so
            });
    for (int i = 0; i < 3; i++) {
      assertThat(check(get("/", null))).isEqualTo(PASSED);
    }
    assertThat(server.accepted.get()).isEqualTo(3);
  }

  @Test
  void closingStopsTheSelectorAndClosesEveryConnection() throws Exception {
    ScriptedBackend server =
        start(
            (request, out) ->
                request.startsWith("GET /slow") ? true : respond(out, "200 OK", "", ""));
    CompletableFuture<String> slow = new CompletableFuture<>();
    probe(server.port(), policy(get("/slow", null)), slow);
    await().until(() -> server.requests.size() == 1);
    assertThat(check(get("/", null))).isEqualTo(PASSED); // on a second connection, kept
    assertThat(server.accepted.get()).isEqualTo(2);
    assertThat(prober.openConnections()).isEqualTo(2); // one idle, one in use

    prober.close();

    assertThat(prober.stopped()).isTrue();
    assertThat(prober.openConnections()).isZero();
    assertThat(slow.get(5, TimeUnit.SECONDS)).isEqualTo("health checks stopped");
    await().until(() -> server.closedByClient.get() == 2); // the server saw both ends close
    assertThat(check(get("/", null))).isEqualTo("health checks stopped");
  }

  // --- helpers ---

  private ScriptedBackend start(Responder responder) throws IOException {
    return start(16 * 1024, responder);
  }

  private ScriptedBackend start(int readBufferSize, Responder responder) throws IOException {
    prober = Http1Prober.start(readBufferSize);
    backend = new ScriptedBackend(responder);
    return backend;
  }

  private static HealthCheckPolicy.HttpCheck get(String path, @Nullable String bodyContains) {
    return new HealthCheckPolicy.HttpCheck(path, false, null, List.of(200, 299), bodyContains);
  }

  private static HealthCheckPolicy policy(HealthCheckPolicy.HttpCheck http) {
    return new HealthCheckPolicy(TimeUnit.SECONDS.toNanos(1), TIMEOUT, 1, 1, 0, http);
  }

  private String check(HealthCheckPolicy.HttpCheck http) throws Exception {
    return check(policy(http));
  }

  private String check(HealthCheckPolicy policy) throws Exception {
    return check(backend.port(), policy);
  }

  /** Runs one check to completion: "passed" or why it failed. */
  private String check(int port, HealthCheckPolicy policy) throws Exception {
    CompletableFuture<String> result = new CompletableFuture<>();
    probe(port, policy, result);
    return result.get(10, TimeUnit.SECONDS);
  }

  private void probe(int port, HealthCheckPolicy policy, CompletableFuture<String> result) {
    prober.probe(
        new Endpoint("127.0.0.1", port, 1, 0),
        policy,
        failure -> {
          if (!result.complete(Optional.ofNullable(failure).orElse(PASSED))) {
            throw new AssertionError("a second result: " + failure);
          }
        });
  }

  private static boolean respond(OutputStream out, String status, String headers, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String length =
        headers.contains("Content-Length") ? "" : "Content-Length: " + bytes.length + "\r\n";
    out.write(ascii("HTTP/1.1 " + status + "\r\n" + length + headers + "\r\n"));
    out.write(bytes);
    return true;
  }

  private static boolean send(OutputStream out, String text) throws IOException {
    out.write(ascii(text));
    return true;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Writes the answer to one request; returns whether the connection stays open. */
  @FunctionalInterface
  interface Responder {
    boolean answer(String request, OutputStream out) throws IOException;
  }

  /** A blocking HTTP/1.1 server on loopback that answers each request as the test says. */
  private static final class ScriptedBackend implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    final AtomicInteger closedByClient = new AtomicInteger();
    final Queue<String> requests = new ConcurrentLinkedQueue<>();
    final Queue<Socket> sockets = new ConcurrentLinkedQueue<>();
    volatile Responder responder;

    ScriptedBackend(Responder responder) throws IOException {
      this.responder = responder;
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Thread acceptor = new Thread(this::accept, "scripted-backend");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          accepted.incrementAndGet();
          sockets.add(socket);
          Thread connection = new Thread(() -> serve(socket), "scripted-connection");
          connection.setDaemon(true);
          connection.start();
        } catch (IOException e) {
          return;
        }
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        while (true) {
          String request = readHead(in);
          if (request == null) {
            closedByClient.incrementAndGet();
            return;
          }
          requests.add(request);
          boolean keep = responder.answer(request, out);
          out.flush();
          if (!keep) {
            return;
          }
        }
      } catch (IOException e) {
        // the test is over or the client went away
      }
    }

    /** The request head up to its blank line, or null when the client closed the connection. */
    private static @Nullable String readHead(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (true) {
        int b = in.read();
        if (b < 0) {
          return null;
        }
        head.write(b);
        String text = head.toString(StandardCharsets.ISO_8859_1);
        if (text.endsWith("\r\n\r\n")) {
          return text;
        }
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket socket : sockets) {
        socket.close();
      }
    }
  }
}
