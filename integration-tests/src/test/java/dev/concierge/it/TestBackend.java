package dev.concierge.it;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A real HTTP backend on 127.0.0.1:0 that answers with its own name and records what it saw. */
final class TestBackend implements AutoCloseable {
  private final String name;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final AtomicReference<Headers> lastRequestHeaders = new AtomicReference<>();
  private final AtomicInteger requests = new AtomicInteger();

  private TestBackend(String name) throws IOException {
    this.name = name;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext(
        "/",
        exchange -> {
          try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
          }
          lastRequestHeaders.set(exchange.getRequestHeaders());
          requests.incrementAndGet();
          byte[] body = name.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("X-Backend", name);
          // Identity headers the proxy must hide from clients.
          exchange.getResponseHeaders().add("Server", "secret-backend/1.0");
          exchange.getResponseHeaders().add("X-Powered-By", "secret-framework");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.setExecutor(executor);
    server.start();
  }

  static TestBackend start(String name) throws IOException {
    return new TestBackend(name);
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

  int requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
