package dev.concierge.it;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/** A real HTTP backend on 127.0.0.1:0 that answers with its own name and records what it saw. */
final class TestBackend implements AutoCloseable {
  private final String name;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final AtomicReference<Headers> lastRequestHeaders = new AtomicReference<>();
  private final AtomicReference<java.net.URI> lastRequestUri = new AtomicReference<>();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile long delayNanos;
  private volatile int healthStatus = 200;
  private volatile java.util.function.IntUnaryOperator statuses = n -> 200;
  private final AtomicInteger healthChecks = new AtomicInteger();

  private TestBackend(String name, int port) throws IOException {
    this.name = name;
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
    server.createContext(
        "/",
        exchange -> {
          if (exchange.getRequestURI().getPath().equals(HEALTH_PATH)) {
            // Health checks: answered apart, and not counted as traffic.
            healthChecks.incrementAndGet();
            exchange.sendResponseHeaders(healthStatus, -1);
            exchange.close();
            return;
          }
          long delay = delayNanos;
          if (delay > 0) {
            // A slow backend, not a test waiting: the response itself takes this long.
            LockSupport.parkNanos(delay);
          }
          MessageDigest sha256 = Bodies.sha256();
          long bodyBytes;
          try (InputStream in = new DigestInputStream(exchange.getRequestBody(), sha256)) {
            bodyBytes = in.transferTo(OutputStream.nullOutputStream());
          }
          lastRequestHeaders.set(exchange.getRequestHeaders());
          lastRequestUri.set(exchange.getRequestURI());
          int status = statuses.applyAsInt(requests.incrementAndGet());
          byte[] body = name.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("X-Backend", name);
          // What arrived of the request body, so a test can compare it with what it sent.
          exchange.getResponseHeaders().add("X-Body-Bytes", Long.toString(bodyBytes));
          exchange
              .getResponseHeaders()
              .add("X-Body-Sha256", HexFormat.of().formatHex(sha256.digest()));
          // Identity headers the proxy must hide from clients.
          exchange.getResponseHeaders().add("Server", "secret-backend/1.0");
          exchange.getResponseHeaders().add("X-Powered-By", "secret-framework");
          boolean head = "HEAD".equals(exchange.getRequestMethod());
          exchange.sendResponseHeaders(status, head ? -1 : body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
              out.write(body);
            }
          }
        });
    server.setExecutor(executor);
    server.start();
  }

  /** "/healthz": answered with {@link #healthStatus(int)}, not counted in {@link #requests()}. */
  static final String HEALTH_PATH = "/healthz";

  /** Makes {@link #HEALTH_PATH} answer {@code status} from now on (default 200). */
  void healthStatus(int status) {
    healthStatus = status;
  }

  /** Requests to {@link #HEALTH_PATH} so far. */
  int healthChecks() {
    return healthChecks.get();
  }

  static TestBackend start(String name) throws IOException {
    return new TestBackend(name, 0);
  }

  /** A backend on a given port, e.g. one that comes back where a closed one was. */
  static TestBackend start(String name, int port) throws IOException {
    return new TestBackend(name, port);
  }

  /**
   * Makes the n-th request (counted from 1, health checks aside) answer {@code statuses(n)} from
   * now on (default 200 for all).
   */
  void answer(java.util.function.IntUnaryOperator statuses) {
    this.statuses = statuses;
  }

  /** Makes every answer take {@code delay} (at most 4 at a time, the handler's threads). */
  void slowBy(java.time.Duration delay) {
    delayNanos = delay.toNanos();
  }

  String name() {
    return name;
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** "127.0.0.1:PORT", the form cluster endpoints take. */
  String endpoint() {
    return "127.0.0.1:" + port();
  }

  Headers lastRequestHeaders() {
    return lastRequestHeaders.get();
  }

  /** The request target of the last request (path and query as received). */
  java.net.URI lastRequestUri() {
    return lastRequestUri.get();
  }

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
