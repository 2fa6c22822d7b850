package dev.concierge.dataplane;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.admission.AdmissionPolicy;
import dev.concierge.dataplane.admission.HeaderDeadlineConnectionFactory;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.upstream.JettyProxyTransport;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The proxy port: one Jetty server (bounded thread pool, one acceptor, HTTP/1.1) running the
 * {@link HandlerChain} over whatever runtime the holder has. Not thread-safe to start/stop
 * concurrently; serving is.
 */
public final class ProxyServer implements AutoCloseable {
  /** Idle timeout of a client connection, e.g. between keep-alive requests: 60 s. */
  public static final long KEEP_ALIVE_IDLE_TIMEOUT_MS = 60_000;

  private final Server server;
  private final ServerConnector connector;

  public ProxyServer(String bindAddress, int port, RuntimeHolder runtimes, TrafficStats stats) {
    this(bindAddress, port, runtimes, stats, AdmissionPolicy.defaults());
  }

  /** As above, admitting clients under {@code admission} (deadlines, body buffering). */
  public ProxyServer(
      String bindAddress, int port, RuntimeHolder runtimes, TrafficStats stats,
      AdmissionPolicy admission) {
    QueuedThreadPool threads = new QueuedThreadPool(64, 8);
    threads.setName("concierge-http");
    server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // Selectors: Jetty's default for the pool size; one acceptor is enough for any core count.
    // admission: a total header deadline per request (HttpConnectionFactory with a hook).
    HttpConnectionFactory h1 = new HeaderDeadlineConnectionFactory(http, admission.headerTimeout());
    connector = new ServerConnector(server, 1, -1, h1);
    // admission: keep-alive wait between requests (and any stall not covered by a deadline).
    connector.setIdleTimeout(KEEP_ALIVE_IDLE_TIMEOUT_MS);
    connector.setHost(requireNonNull(bindAddress, "bindAddress"));
    connector.setPort(port);
    server.addConnector(connector);
    JettyProxyTransport transport =
        new JettyProxyTransport(server, JettyProxyTransport.Settings.defaults());
    server.setHandler(HandlerChain.of(runtimes, transport, stats, admission));
    // Graceful stop: GracefulHandler in the chain waits this long for in-flight requests.
    server.setStopTimeout(5000);
  }

  /** Starts listening. */
  public ProxyServer start() throws Exception {
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return this;
  }

  /** The bound port (after start). */
  public int port() {
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("proxy server did not stop cleanly", e);
    }
  }
}
