package dev.concierge.dataplane;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.UpstreamProtocol;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.limits.ConnectionGate;
import dev.concierge.dataplane.limits.LimitCounters;
import dev.concierge.dataplane.limits.ListenerLimits;
import dev.concierge.dataplane.metrics.ListenerConnections;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.server.HeaderDeadlineConnectionFactory;
import dev.concierge.dataplane.server.InlineResumeThreadPool;
import dev.concierge.dataplane.server.NodeErrorHandler;
import dev.concierge.dataplane.server.ThreadCachingBufferPool;
import dev.concierge.dataplane.stats.StatsHandler;
import dev.concierge.dataplane.tls.CertificateIndex;
import dev.concierge.dataplane.tls.HandshakeMeter;
import dev.concierge.dataplane.tls.NodeSslConnectionFactory;
import dev.concierge.dataplane.tls.NodeSslContextFactory;
import dev.concierge.dataplane.transport.jetty.JettyProxyTransport;
import dev.concierge.dataplane.transport.lean.LeanConnector;
import dev.concierge.dataplane.transport.lean.LeanProxyTransport;
import dev.concierge.dataplane.transport.tunnel.UpgradeTunnelTransport;
import dev.concierge.dataplane.upstream.ProtocolTransports;
import dev.concierge.dataplane.upstream.UpstreamTransport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.jspecify.annotations.Nullable;

/**
 * The proxy port: one Jetty server (bounded thread pool, one acceptor, HTTP/1.1 and h2c) running
 * the {@link HandlerChain} over whatever runtime the holder has. Not thread-safe to start/stop
 * concurrently; serving is.
 */
public final class ProxyServer implements AutoCloseable {
  /** Idle timeout of a client connection, e.g. between keep-alive requests: 60 s. */
  public static final long KEEP_ALIVE_IDLE_TIMEOUT_MS = 60_000;

  /**
   * Connections the kernel may hold accepted for a listener before the node takes them: 1024 (the
   * JDK's default is 50, nginx's 511; Linux caps it at net.core.somaxconn). With 50, a burst of
   * connections from one client, even one the connection limits then reset, fills the queue and
   * other clients' connects wait a SYN retransmit (1 s; ConnectionLimitsIT saw it).
   */
  public static final int ACCEPT_QUEUE_SIZE = 1024;

  /** How long a plain {@link #close()} waits for requests in flight, in seconds. */
  public static final int DEFAULT_DRAIN_TIMEOUT_SECONDS = 5;

  private static final Duration DEFAULT_DRAIN_TIMEOUT =
      Duration.ofSeconds(DEFAULT_DRAIN_TIMEOUT_SECONDS);

  /** No HTTPS listener (the port argument). */
  public static final int NO_HTTPS = -1;

  private final Server server;
  private final LeanConnector connector;
  private final @Nullable LeanConnector httpsConnector;
  private final ProtocolTransports transport;
  // Node-lifetime: the connections open per client address, and the connection-limits in force.
  private final ConnectionGate gate = new ConnectionGate();

  /** Which {@link UpstreamTransport} carries requests upstream. */
  public enum Transport {
    /** {@link LeanProxyTransport}: HTTP/1.1, both legs on one selector thread (the default). */
    LEAN,
    /** {@link JettyProxyTransport}: Jetty's ProxyHandler and HttpClient. */
    JETTY_CLIENT
  }

  /** A proxy server with default chain settings on the lean transport (tests, tools). */
  public ProxyServer(String bindAddress, int port, RuntimeHolder runtimes) {
    this(bindAddress, port, runtimes, ChainSettings.defaults(), Transport.LEAN);
  }

  /**
   * A proxy server running the {@link HandlerChain} built from {@code settings} (meters, admission,
   * randomness) and carrying requests upstream on {@code kind}.
   */
  public ProxyServer(
      String bindAddress,
      int port,
      RuntimeHolder runtimes,
      ChainSettings settings,
      Transport kind) {
    this(bindAddress, port, NO_HTTPS, runtimes, settings, kind);
  }

  /**
   * As above, plus an HTTPS listener on {@code httpsPort} ({@link #NO_HTTPS}: none) that serves the
   * certificates of the runtime in force (see {@link NodeSslContextFactory}), offering h2 and
   * http/1.1 by ALPN; its requests run through the same chain.
   */
  public ProxyServer(
      String bindAddress,
      int port,
      int httpsPort,
      RuntimeHolder runtimes,
      ChainSettings settings,
      Transport kind) {
    InlineResumeThreadPool threads = new InlineResumeThreadPool(64, 8);
    threads.setName("concierge-http");
    // Buffers: Jetty's pool behind a per-thread cache (ThreadCachingBufferPool says why).
    server = new Server(threads, null, new ThreadCachingBufferPool(new ArrayByteBufferPool()));
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    // No per-connection field cache: Jetty's builds a trie of ~70 KiB per client connection (700
    // MiB
    // for 10,000 keep-alive clients), which each new connection promoted to the old generation in
    // multi-millisecond young collections. Without it: 1 KiB p99 1.7-1.8 ms instead of 2.1-4.9,
    // CPU per request no worse.
    http.setHeaderCacheSize(0);
    // A total header deadline per request (HttpConnectionFactory with a hook), and the request
    // limits of the connection-limits policy in force.
    LimitCounters httpRefusals = new LimitCounters();
    HttpConnectionFactory h1 =
        new HeaderDeadlineConnectionFactory(
            http, settings.admission().headerTimeout(), gate::limits, httpRefusals);
    // h2c on the same port, by prior knowledge (the HTTP/1.1 connection sees the PRI preface and
    // hands over) or by HTTP/1.1 Upgrade; its requests run through the same chain.
    HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(http);
    // LeanConnector: a ServerConnector whose selectors also serve the lean upstream connections.
    connector = new LeanConnector(server, 1, -1, h1, h2c);
    connector.gate(gate, httpRefusals);
    connector.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
    // Keep-alive wait between requests (and any stall not covered by a deadline).
    connector.setIdleTimeout(KEEP_ALIVE_IDLE_TIMEOUT_MS);
    connector.setHost(requireNonNull(bindAddress, "bindAddress"));
    connector.setPort(port);
    server.addConnector(connector);
    httpsConnector =
        httpsPort == NO_HTTPS
            ? null
            : httpsConnector(http, settings, runtimes, bindAddress, httpsPort);
    if (httpsConnector != null) {
      server.addConnector(httpsConnector);
    }
    List<LeanConnector> leanConnectors =
        httpsConnector == null ? List.of(connector) : List.of(connector, httpsConnector);
    UpstreamTransport http1 =
        switch (requireNonNull(kind, "kind")) {
          case LEAN ->
              new LeanProxyTransport(leanConnectors, LeanProxyTransport.Settings.defaults());
          case JETTY_CLIENT ->
              new JettyProxyTransport(server, JettyProxyTransport.Settings.defaults());
        };
    // HTTP2 clusters: Jetty's HttpClient over h2c, the one carrier that relays trailers (gRPC).
    UpstreamTransport http2 =
        new JettyProxyTransport(
            server, JettyProxyTransport.Settings.defaults(), UpstreamProtocol.HTTP2);
    // HTTP/1.1 Upgrade (WebSocket): a byte tunnel once the backend has switched protocols.
    UpstreamTransport upgrades =
        new UpgradeTunnelTransport(server, UpgradeTunnelTransport.Settings.defaults());
    transport = new ProtocolTransports(http1, http2, upgrades, UpgradeTunnelTransport::isUpgrade);
    StatsHandler chain = HandlerChain.of(runtimes, transport, settings, this::httpsPort);
    server.setHandler(chain);
    // Answers to what Jetty rejects before the chain are counted and logged as the chain's are.
    server.setErrorHandler(new NodeErrorHandler(chain::start));
    threads.inlineResumesOf(server);
    // Graceful stop: DrainHandler in the chain waits this long for in-flight requests.
    server.setStopTimeout(DEFAULT_DRAIN_TIMEOUT.toMillis());
  }

  private LeanConnector httpsConnector(
      HttpConfiguration plain,
      ChainSettings settings,
      RuntimeHolder runtimes,
      String bindAddress,
      int port) {
    HttpConfiguration https = new HttpConfiguration(plain);
    // Marks requests secure (X-Forwarded-Proto: https, HSTS) and exposes the TLS session. No SNI
    // host check: like nginx and HAProxy, the Host header picks the route, not the certificate.
    SecureRequestCustomizer secure = new SecureRequestCustomizer(false);
    https.addCustomizer(secure);
    NodeSslContextFactory tls =
        NodeSslContextFactory.of(
            () -> {
              dev.concierge.dataplane.runtime.Runtime runtime = runtimes.get();
              return runtime == null ? CertificateIndex.empty() : runtime.certificates();
            });
    LimitCounters httpsRefusals = new LimitCounters();
    HttpConnectionFactory h1 =
        new HeaderDeadlineConnectionFactory(
            https, settings.admission().headerTimeout(), gate::limits, httpsRefusals);
    HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(https);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory("h2", "http/1.1");
    // A client that offers no ALPN gets HTTP/1.1 (ALPN's name for it, not Jetty's "HTTP/1.1").
    alpn.setDefaultProtocol("http/1.1");
    // Jetty's TLS connections, plus the ClientHello peek while a certificate authenticates clients.
    SslConnectionFactory ssl = new NodeSslConnectionFactory(tls, alpn.getProtocol());
    // Direct buffers for the TLS records: they come from the selector thread's buffer cache
    // (Jetty's default, heap, goes to the shared pool every fill) and reach the socket without
    // the JDK's copy into a temporary direct buffer.
    ssl.setDirectBuffersForEncryption(true);
    ssl.setDirectBuffersForDecryption(true);
    LeanConnector tlsConnector = new LeanConnector(server, 1, -1, ssl, alpn, h2, h1);
    tlsConnector.gate(gate, httpsRefusals);
    tlsConnector.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
    tlsConnector.setIdleTimeout(KEEP_ALIVE_IDLE_TIMEOUT_MS);
    tlsConnector.setHost(requireNonNull(bindAddress, "bindAddress"));
    tlsConnector.setPort(port);
    return tlsConnector;
  }

  /**
   * After a config swap: the connection-limits policy in force, for connections accepted from now
   * on (open ones keep theirs).
   */
  public void connectionLimits(ListenerLimits limits) {
    gate.apply(limits);
  }

  /** After a config swap: the upstream TLS policies in force (see {@link UpstreamTransport}). */
  public void retainTls(Set<UpstreamTlsPolicy> inForce) {
    transport.retainTls(inForce);
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

  /** The bound HTTPS port (after start), or {@link #NO_HTTPS} when there is no HTTPS listener. */
  public int httpsPort() {
    LeanConnector tls = httpsConnector;
    return tls == null ? NO_HTTPS : tls.getLocalPort();
  }

  /** The downstream connections of each listener: "http", and "https" when there is one. */
  public List<ListenerConnections> listenerConnections() {
    List<ListenerConnections> out = new ArrayList<>(2);
    out.add(
        new ListenerConnections(
            "http",
            connector.openConnections(),
            connector.acceptedConnections(),
            connector.refusals().snapshot()));
    LeanConnector tls = httpsConnector;
    if (tls != null) {
      out.add(
          new ListenerConnections(
              "https",
              tls.openConnections(),
              tls.acceptedConnections(),
              tls.refusals().snapshot()));
    }
    return out;
  }

  /** The TLS handshakes of the HTTPS listener, or {@code null} when there is none. */
  public @Nullable HandshakeMeter tlsHandshakes() {
    LeanConnector tls = httpsConnector;
    if (tls == null) {
      return null;
    }
    NodeSslConnectionFactory ssl = tls.getConnectionFactory(NodeSslConnectionFactory.class);
    return ssl == null ? null : ssl.handshakes();
  }

  /**
   * Stops gracefully, waiting up to {@value #DEFAULT_DRAIN_TIMEOUT_SECONDS} s; see {@link
   * #close(Duration)}.
   */
  @Override
  public void close() {
    close(DEFAULT_DRAIN_TIMEOUT);
  }

  /**
   * Stops gracefully: closes the listening socket at once (new connections are refused), answers
   * the next response on each open HTTP/1.1 connection with {@code Connection: close} (h2: GOAWAY),
   * waits up to {@code drainTimeout} for the requests in flight to finish, then closes what is
   * left. Zero closes at once.
   *
   * @throws IllegalStateException when the stop failed or requests were still in flight after the
   *     timeout (they were cut)
   */
  public void close(Duration drainTimeout) {
    server.setStopTimeout(drainTimeout.toMillis());
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("proxy server did not stop cleanly", e);
    }
  }
}
