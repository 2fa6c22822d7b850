package dev.concierge.controlplane.http;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.PathMappingsHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The control plane's HTTP port: a small Jetty server with handlers added by path (servlet-style
 * specs such as "/metrics" or "/assets/*"), on threads of its own, never the gRPC ones. Unknown
 * paths answer 404.
 */
public final class ControlPlaneHttpServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  private ControlPlaneHttpServer(String host, int port, Map<String, Handler> handlers) {
    QueuedThreadPool threads = new QueuedThreadPool(16, 2);
    threads.setName("concierge-cp-http");
    threads.setDaemon(true);
    server = new Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setSendServerVersion(false); // as the node's admin port: no version for scanners
    connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    PathMappingsHandler paths = new PathMappingsHandler();
    handlers.forEach((spec, handler) -> paths.addMapping(PathSpec.from(spec), handler));
    server.setHandler(paths);
  }

  /** A server to bind on {@code host}:{@code port} (0 picks a free port). */
  public static Builder builder(String host, int port) {
    return new Builder(host, port);
  }

  /** Paths and their handlers; the first spec that matches a request serves it. */
  public static final class Builder {
    private final String host;
    private final int port;
    private final Map<String, Handler> handlers = new LinkedHashMap<>();

    private Builder(String host, int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0-65535, not " + port);
      }
      this.host = requireNonNull(host, "host");
      this.port = port;
    }

    /** Serves {@code spec} ("/metrics", "/assets/*", "/") with {@code handler}. */
    public Builder handle(String spec, Handler handler) {
      handlers.put(requireNonNull(spec, "spec"), requireNonNull(handler, "handler"));
      return this;
    }

    /** Binds and starts serving. */
    public ControlPlaneHttpServer start() throws IOException {
      ControlPlaneHttpServer s = new ControlPlaneHttpServer(host, port, handlers);
      try {
        s.server.start();
      } catch (IOException e) {
        s.close();
        throw e;
      } catch (Exception e) {
        s.close();
        throw new IOException("HTTP port " + host + ":" + port + ": " + e.getMessage(), e);
      }
      return s;
    }
  }

  /** The bound port. */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping the HTTP port failed", e);
    }
  }
}
