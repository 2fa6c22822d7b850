package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal HTTP server for {@link DashboardRoutes} on the JDK's own server, until the control
 * plane's shared HTTP server carries it.
 */
public final class DashboardHttpServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DashboardHttpServer.class);
  private static final int THREADS = 4;

  private final HttpServer server;
  private final ExecutorService executor;

  private DashboardHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /** Serves {@code routes} on host:port (0 picks a free port). */
  public static DashboardHttpServer start(String host, int port, DashboardRoutes routes)
      throws IOException {
    requireNonNull(routes, "routes");
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
    AtomicInteger n = new AtomicInteger();
    // Bridge calls block on the management API: a few threads, not the single default one.
    ExecutorService executor =
        Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "dashboard-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", exchange -> answer(exchange, routes));
    server.start();
    return new DashboardHttpServer(server, executor);
  }

  private static void answer(HttpExchange exchange, DashboardRoutes routes) throws IOException {
    try (exchange) {
      HttpAnswer a;
      try {
        a =
            routes.handle(
                exchange.getRequestMethod(),
                exchange.getRequestURI().getPath(),
                name -> exchange.getRequestHeaders().getFirst(name),
                exchange::getRequestBody);
      } catch (IOException | RuntimeException e) {
        log.warn("dashboard request {} failed", exchange.getRequestURI(), e);
        a = HttpAnswer.error(500, "INTERNAL", "the request failed");
      }
      exchange.getResponseHeaders().set("Content-Type", a.contentType());
      a.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      boolean empty =
          a.body().isEmpty() || exchange.getRequestMethod().equals("HEAD") || a.status() == 304;
      exchange.sendResponseHeaders(a.status(), empty ? -1 : a.body().size());
      if (!empty) {
        try (OutputStream out = exchange.getResponseBody()) {
          a.body().writeTo(out);
        }
      }
    }
  }

  /** The bound port. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
