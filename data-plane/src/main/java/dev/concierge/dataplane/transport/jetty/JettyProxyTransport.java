package dev.concierge.dataplane.transport.jetty;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.BodyFraming;
import dev.concierge.dataplane.cluster.CircuitBreaker;
import dev.concierge.dataplane.cluster.CircuitBreakerCounters;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamProtocol;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.upstream.CircuitBreakerOverflowException;
import dev.concierge.dataplane.upstream.RetriedStatusException;
import dev.concierge.dataplane.upstream.UnresolvedHostException;
import dev.concierge.dataplane.upstream.UpstreamFailures;
import dev.concierge.dataplane.upstream.UpstreamOutcome;
import dev.concierge.dataplane.upstream.UpstreamTransport;
import dev.concierge.dataplane.upstream.UpstreamTry;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.AbstractConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.HostPort;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.Invocable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link UpstreamTransport} on Jetty's {@link ProxyHandler.Reverse} and {@link HttpClient}.
 *
 * <p>Carries each {@link UpstreamTry} to the endpoint chosen above it, with the route's timeout and
 * {@link dev.concierge.dataplane.upstream.RequestRewrite} (path and headers: ProxyHandler's own
 * header copying and {@code Via}/{@code Forwarded} are replaced by it), drops {@code Server}/{@code
 * X-Powered-By} from upstream, and reports a failure before the response is committed to the try
 * instead of answering it. The client shares the server's thread pool, buffer pool and scheduler.
 *
 * <p>On HTTP/2 it also applies the cluster's circuit breaker below max_requests: max_connections
 * bounds the connections open to all the cluster's endpoints ({@link ClusterConnectionPool}, on
 * destinations tagged per cluster), and max_pending_requests the requests waiting for a connection
 * or stream, counted from their send until their stream begins; one over it is reported as {@link
 * UpstreamOutcome#OVERFLOW} before anything is sent. A cluster without those limits takes none of
 * these paths.
 */
public final class JettyProxyTransport extends ProxyHandler.Reverse implements UpstreamTransport {
  private static final Logger LOG = LoggerFactory.getLogger(JettyProxyTransport.class);
  private static final String TRY = UpstreamTry.class.getName();

  /** Tuning of the proxy's HttpClient. */
  public record Settings(
      Duration connectTimeout,
      Duration idleTimeout,
      int maxConnectionsPerDestination,
      int responseBufferSize) {
    public Settings {
      requireNonNull(connectTimeout, "connectTimeout");
      requireNonNull(idleTimeout, "idleTimeout");
    }

    /** 5 s connect, 30 s idle, 256 connections per endpoint, 64 KiB response buffer. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(5), Duration.ofSeconds(30), 256, 64 * 1024);
    }
  }

  private final Server server;
  private final Settings settings;
  private final UpstreamProtocol protocol;
  // Keyed by the node-lifetime counters, so config swaps keep a cluster's destinations.
  private final ConcurrentMap<CircuitBreakerCounters, ClusterConnections> clusterConnections =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<UpstreamTlsPolicy, HttpClient> tlsClients = new ConcurrentHashMap<>();

  /** How often a retired TLS client is looked at for requests still running. */
  static final Duration RETIRE_CHECK = Duration.ofSeconds(1);

  /** The longest a retired TLS client is kept for its requests in flight. */
  static final Duration RETIRE_LIMIT = Duration.ofMinutes(10);

  /** A carrier speaking HTTP/1.1 upstream. */
  public JettyProxyTransport(Server server, Settings settings) {
    this(server, settings, UpstreamProtocol.HTTP1);
  }

  /**
   * A carrier speaking {@code protocol} upstream: HTTP/1.1, or HTTP/2 with prior knowledge (h2c),
   * multiplexed on the client's pooled connections.
   */
  public JettyProxyTransport(Server server, Settings settings, UpstreamProtocol protocol) {
    super(JettyProxyTransport::targetUri);
    this.server = requireNonNull(server, "server");
    this.settings = requireNonNull(settings, "settings");
    this.protocol = requireNonNull(protocol, "protocol");
    setServer(server);
    setViaHost("concierge");
  }

  private static HttpURI targetUri(Request request) {
    UpstreamTry attempt = attempt(request);
    Endpoint endpoint = attempt.endpoint();
    HttpURI uri = request.getHttpURI();
    // A host name goes as its cached address (resolved off the request path), so HttpClient never
    // looks it up; send() made sure there is one.
    String host =
        endpoint.resolved().isLiteral()
            ? endpoint.uriHost()
            : requireNonNull(endpoint.resolved().uriHost(), "resolved");
    HttpURI.Mutable target =
        HttpURI.build(uri)
            .scheme(attempt.cluster().tls() == null ? "http" : "https")
            .host(host)
            .port(endpoint.port());
    if (attempt.cluster().protocol() == UpstreamProtocol.HTTP2) {
      // :authority must equal the Host sent (RFC 9113): the URI names it, the request's
      // EndpointTransport (newProxyToServerRequest) where to connect.
      HostPort authority = HostPort.unsafe(attempt.rewrite().hostSent(request, endpoint));
      target.host(authority.getHost()).port(authority.hasPort() ? authority.getPort() : -1);
    }
    return target.path(attempt.rewrite().path(uri)).asImmutable();
  }

  private static UpstreamTry attempt(Request request) {
    return (UpstreamTry) request.getAttribute(TRY);
  }

  @Override
  public void send(UpstreamTry attempt) {
    Request request = attempt.request();
    Endpoint endpoint = attempt.endpoint();
    if (!endpoint.resolved().isResolved()) {
      attempt.failed(
          UpstreamOutcome.UNRESOLVED, new UnresolvedHostException(endpoint.host()), false, false);
      return;
    }
    request.setAttribute(TRY, attempt);
    Callback completion =
        Callback.from(
            Invocable.InvocationType.NON_BLOCKING,
            () -> attempt.completed(null),
            attempt::completed);
    try {
      handle(request, attempt.response(), completion);
    } catch (Exception e) {
      attempt.failed(UpstreamOutcome.ERROR, e, false, false);
    }
  }

  @Override
  public InvocationType getInvocationType() {
    return Invocable.InvocationType.NON_BLOCKING;
  }

  @Override
  protected HttpClient newHttpClient() {
    // ProxyHandler's own setup (no redirects, no cookies, no decoders) still follows.
    HttpClient client;
    if (protocol == UpstreamProtocol.HTTP2) {
      client = newClient(newConnector());
    } else {
      client = super.newHttpClient();
    }
    return tuned(client);
  }

  private ClientConnector newConnector() {
    ClientConnector connector = new ClientConnector();
    connector.setExecutor(server.getThreadPool());
    connector.setByteBufferPool(server.getByteBufferPool());
    connector.setScheduler(server.getScheduler());
    return connector;
  }

  /** A client of this carrier's protocol on {@code connector}. */
  private HttpClient newClient(ClientConnector connector) {
    HttpClientTransportDynamic transport;
    if (protocol == UpstreamProtocol.HTTP2) {
      // h2 only: for http:// endpoints that is h2c with prior knowledge, for https:// h2 by ALPN.
      transport =
          new HttpClientTransportDynamic(
              connector, new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector)));
      transport.setConnectionPoolFactory(ClusterConnectionPool.factory());
    } else {
      transport = new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11);
    }
    return new HttpClient(transport);
  }

  /**
   * The client of the clusters speaking TLS under {@code tls}: one per policy (the compiler keeps
   * an unchanged policy across config versions), made and started by the first request that needs
   * it, stopped with this carrier.
   */
  private HttpClient clientFor(UpstreamTlsPolicy tls) {
    HttpClient client = tlsClients.get(tls);
    if (client != null) {
      return client;
    }
    return tlsClients.computeIfAbsent(
        tls,
        policy -> {
          SslContextFactory.Client ssl = new TlsEndpointTransport.Factory();
          ssl.setSslContext(policy.context());
          ssl.setEndpointIdentificationAlgorithm(policy.verifies() ? "HTTPS" : null);
          ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
          ClientConnector connector = newConnector();
          connector.setSslContextFactory(ssl);
          HttpClient made = tuned(newClient(connector));
          configureHttpClient(made);
          try {
            made.start();
          } catch (Exception e) {
            throw new IllegalStateException("cannot start the TLS client of " + policy, e);
          }
          return made;
        });
  }

  /**
   * Retires the clients of policies no cluster uses any more (a CA bundle or a client certificate
   * changed): each is stopped once no connection of it carries a request, checked every {@link
   * #RETIRE_CHECK}, or after {@link #RETIRE_LIMIT} at the latest, which ends a longer stream. A
   * client kept would hold its selector and pooled connections for the node's lifetime.
   */
  @Override
  public void retainTls(Set<UpstreamTlsPolicy> inForce) {
    for (Iterator<Map.Entry<UpstreamTlsPolicy, HttpClient>> it = tlsClients.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<UpstreamTlsPolicy, HttpClient> entry = it.next();
      if (!inForce.contains(entry.getKey())) {
        it.remove();
        retire(entry.getValue(), System.nanoTime());
      }
    }
  }

  private void retire(HttpClient client, long since) {
    if (busy(client) && System.nanoTime() - since < RETIRE_LIMIT.toNanos()) {
      var unused =
          server
              .getScheduler()
              .schedule(
                  () -> retire(client, since), RETIRE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    LifeCycle.stop(client);
  }

  private static boolean busy(HttpClient client) {
    for (Destination destination : client.getDestinations()) {
      if (destination.getConnectionPool() instanceof AbstractConnectionPool pool
          && pool.getActiveConnectionCount() > 0) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected void doStop() throws Exception {
    for (HttpClient client : tlsClients.values()) {
      client.stop();
    }
    tlsClients.clear();
    super.doStop();
  }

  private HttpClient tuned(HttpClient client) {
    client.setExecutor(server.getThreadPool());
    client.setByteBufferPool(server.getByteBufferPool());
    client.setScheduler(server.getScheduler());
    client.setUserAgentField(null);
    client.getHttpClientTransport().setInvocationType(Invocable.InvocationType.NON_BLOCKING);
    client.setResponseBufferSize(settings.responseBufferSize());
    client.setMaxConnectionsPerDestination(settings.maxConnectionsPerDestination());
    client.setConnectTimeout(settings.connectTimeout().toMillis());
    client.setIdleTimeout(settings.idleTimeout().toMillis());
    client.setMaxResponseHeadersSize(64 * 1024);
    return client;
  }

  @Override
  protected org.eclipse.jetty.client.Request newProxyToServerRequest(
      Request clientToProxyRequest, HttpURI newHttpURI) {
    UpstreamTry attempt = attempt(clientToProxyRequest);
    UpstreamTlsPolicy tls = attempt.cluster().tls();
    org.eclipse.jetty.client.Request proxyToServerRequest =
        (tls == null
                ? super.newProxyToServerRequest(clientToProxyRequest, newHttpURI)
                : clientFor(tls)
                    .newRequest(newHttpURI.toURI())
                    .method(clientToProxyRequest.getMethod()))
            .timeout(attempt.timeoutMillis(), TimeUnit.MILLISECONDS);
    if (attempt.cluster().protocol() == UpstreamProtocol.HTTP2) {
      Endpoint endpoint = attempt.endpoint();
      proxyToServerRequest.transport(
          new EndpointTransport(
              requireNonNull(endpoint.resolved().socketAddress(endpoint.port()), "resolved")));
      CircuitBreaker breaker = attempt.cluster().breaker();
      if (breaker.limitsConnections()) {
        // Its own destinations: another cluster naming the same endpoint counts its own.
        proxyToServerRequest.tag(connectionsOf(breaker));
      }
    }
    if (tls != null) {
      // Where to connect, and the name the handshake sends and verifies.
      Endpoint endpoint = attempt.endpoint();
      proxyToServerRequest.transport(
          new TlsEndpointTransport(
              requireNonNull(endpoint.resolved().socketAddress(endpoint.port()), "resolved"),
              tls.peerHost(endpoint)));
    }
    if (attempt.idleTimeoutMillis() > 0) {
      proxyToServerRequest.idleTimeout(attempt.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
    if (unannouncedBody(clientToProxyRequest)) {
      // ProxyHandler sends a body only when it has a length or Transfer-Encoding: an HTTP/2
      // request without content-length (every gRPC call) would lose its body.
      proxyToServerRequest.body(new ProxyRequestContent(clientToProxyRequest));
    }
    return proxyToServerRequest;
  }

  private ClusterConnections connectionsOf(CircuitBreaker breaker) {
    ClusterConnections connections = clusterConnections.get(breaker.counters());
    if (connections == null) {
      connections =
          clusterConnections.computeIfAbsent(
              breaker.counters(), counters -> new ClusterConnections(breaker));
    }
    connections.inForce(breaker);
    return connections;
  }

  @Override
  protected void sendProxyToServerRequest(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      Response proxyToClientResponse,
      Callback proxyToClientCallback) {
    UpstreamTry attempt = attempt(clientToProxyRequest);
    CircuitBreaker breaker = attempt.cluster().breaker();
    if (attempt.cluster().protocol() == UpstreamProtocol.HTTP2 && breaker.countsPendingRequests()) {
      if (!breaker.tryStartPending()) {
        attempt.failed(
            UpstreamOutcome.OVERFLOW,
            new CircuitBreakerOverflowException(CircuitBreaker.MAX_PENDING_REQUESTS),
            false,
            false);
        return;
      }
      PendingRequest pending = new PendingRequest(breaker);
      proxyToServerRequest.onRequestBegin(pending).onComplete(pending);
    }
    super.sendProxyToServerRequest(
        clientToProxyRequest, proxyToServerRequest, proxyToClientResponse, proxyToClientCallback);
  }

  /**
   * A request counted as pending on its cluster's breaker until its stream begins, or until it
   * completes without one (failed or aborted while queued): released exactly once.
   */
  private static final class PendingRequest extends AtomicBoolean
      implements org.eclipse.jetty.client.Request.BeginListener,
          org.eclipse.jetty.client.Response.CompleteListener {
    private static final long serialVersionUID = 1L;
    private final transient CircuitBreaker breaker;

    PendingRequest(CircuitBreaker breaker) {
      this.breaker = breaker;
    }

    @Override
    public void onBegin(org.eclipse.jetty.client.Request request) {
      release();
    }

    @Override
    public void onComplete(org.eclipse.jetty.client.Result result) {
      release();
    }

    private void release() {
      if (compareAndSet(false, true)) {
        breaker.pendingEnded();
      }
    }
  }

  private static boolean unannouncedBody(Request request) {
    return request.getLength() < 0
        && !request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)
        && BodyFraming.isMultiplexed(request);
  }

  @Override
  protected org.eclipse.jetty.client.Response.CompleteListener newServerToProxyResponseListener(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      Response proxyToClientResponse,
      Callback proxyToClientCallback) {
    return new StatusCheckingListener(
        clientToProxyRequest, proxyToServerRequest, proxyToClientResponse, proxyToClientCallback);
  }

  /**
   * ProxyHandler's relay, asking the try first whether the response status is to be retried: if so,
   * the response is aborted before its status or headers reach the client response, and the abort
   * reaches {@link #onServerToProxyResponseFailure} as a {@link RetriedStatusException}. It also
   * relays the upstream trailers (gRPC's {@code grpc-status}) when the client said it takes them
   * ({@code TE: trailers}); ProxyHandler itself drops them.
   */
  private final class StatusCheckingListener extends ProxyResponseListener {
    private final Request clientToProxyRequest;
    private final Response proxyToClientResponse;
    private boolean dropped;

    StatusCheckingListener(
        Request clientToProxyRequest,
        org.eclipse.jetty.client.Request proxyToServerRequest,
        Response proxyToClientResponse,
        Callback proxyToClientCallback) {
      super(
          clientToProxyRequest, proxyToServerRequest, proxyToClientResponse, proxyToClientCallback);
      this.clientToProxyRequest = clientToProxyRequest;
      this.proxyToClientResponse = proxyToClientResponse;
    }

    @Override
    public void onBegin(org.eclipse.jetty.client.Response serverToProxyResponse) {
      int status = serverToProxyResponse.getStatus();
      if (attempt(clientToProxyRequest).retryOnStatus(status)) {
        dropped = true;
        // The abort's outcome arrives through onComplete, as any response failure's.
        var unused = serverToProxyResponse.abort(new RetriedStatusException(status));
        return;
      }
      super.onBegin(serverToProxyResponse);
    }

    @Override
    public void onHeaders(org.eclipse.jetty.client.Response serverToProxyResponse) {
      if (dropped) {
        return;
      }
      super.onHeaders(serverToProxyResponse);
      // The head is copied but not committed (the first write commits it): the route's edits.
      UpstreamTry attempt = attempt(clientToProxyRequest);
      attempt
          .rewrite()
          .responseHeaders(
              clientToProxyRequest, attempt.context(), proxyToClientResponse.getHeaders());
      if (takesTrailers(clientToProxyRequest)) {
        proxyToClientResponse.setTrailersSupplier(
            () -> {
              HttpFields trailers = serverToProxyResponse.getTrailers();
              return trailers == null || trailers.size() == 0 ? null : trailers;
            });
      }
    }

    @Override
    public void onContent(
        org.eclipse.jetty.client.Response serverToProxyResponse,
        org.eclipse.jetty.io.Content.Chunk chunk,
        Runnable demander) {
      if (!dropped) {
        super.onContent(serverToProxyResponse, chunk, demander);
      }
    }

    @Override
    public void onSuccess(org.eclipse.jetty.client.Response serverToProxyResponse) {
      if (!dropped) {
        super.onSuccess(serverToProxyResponse);
      }
    }
  }

  private static boolean takesTrailers(Request request) {
    String te = request.getHeaders().get(HttpHeader.TE);
    return te != null && te.toLowerCase(java.util.Locale.ROOT).contains("trailers");
  }

  @Override
  protected void copyRequestHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    UpstreamTry attempt = attempt(clientToProxyRequest);
    proxyToServerRequest.headers(
        headers -> {
          headers.clear();
          attempt.rewrite().headers(clientToProxyRequest, attempt.endpoint(), headers::add);
        });
  }

  @Override
  protected void addProxyHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    // The rewrite already added this hop's forwarding headers and Via.
  }

  @Override
  protected @Nullable HttpField filterServerToProxyResponseField(HttpField field) {
    if (field.getHeader() == HttpHeader.SERVER || field.getHeader() == HttpHeader.X_POWERED_BY) {
      return null;
    }
    return field;
  }

  @Override
  protected void onServerToProxyResponseFailure(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      org.eclipse.jetty.client.Response serverToProxyResponse,
      Response proxyToClientResponse,
      Callback proxyToClientCallback,
      Throwable failure) {
    if (proxyToClientResponse.isCommitted()) {
      // Part of the upstream response is already with the client: only an abort tells it.
      proxyToClientCallback.failed(failure);
      return;
    }
    UpstreamOutcome outcome = UpstreamFailures.classify(failure);
    if (LOG.isDebugEnabled()) {
      LOG.debug(
          "P2S {} to {} failed: {}",
          outcome,
          attempt(clientToProxyRequest).endpoint(),
          failure.toString());
    }
    // ProxyHandler fails the client request's content with the failure, even when none of it was
    // read: a body must be rewound for another try.
    boolean hasBody =
        clientToProxyRequest.getLength() > 0
            || clientToProxyRequest.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)
            || unannouncedBody(clientToProxyRequest);
    attempt(clientToProxyRequest).failed(outcome, failure, false, hasBody);
  }
}
