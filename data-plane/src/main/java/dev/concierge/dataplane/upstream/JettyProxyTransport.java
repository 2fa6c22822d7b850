package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.PlainText;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.proxy.ProxyHandler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link UpstreamTransport} on Jetty's {@link ProxyHandler.Reverse} and {@link HttpClient}.
 *
 * <p>Adds what ProxyHandler lacks (notes/jetty-12-proxy.md): the endpoint chosen before the URI
 * rewrite, per-route timeouts, {@code X-Forwarded-*} with client-sent forwarding headers dropped,
 * no {@code Server}/{@code X-Powered-By} from upstream, and short text error answers. The client
 * shares the server's thread pool, buffer pool and scheduler (notes/proxy-performance.md, V2b).
 */
public final class JettyProxyTransport extends ProxyHandler.Reverse implements UpstreamTransport {
  private static final Logger LOG = LoggerFactory.getLogger(JettyProxyTransport.class);
  private static final String TARGET = UpstreamTarget.class.getName();
  private static final String X_REAL_IP = "X-Real-IP";

  /** Tuning of the proxy's HttpClient. */
  public record Settings(
      Duration connectTimeout, Duration idleTimeout, int maxConnectionsPerDestination,
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

  public JettyProxyTransport(Server server, Settings settings) {
    super(JettyProxyTransport::targetUri);
    this.server = requireNonNull(server, "server");
    this.settings = requireNonNull(settings, "settings");
    setServer(server);
    setViaHost("concierge");
  }

  private static HttpURI targetUri(Request request) {
    Endpoint endpoint = target(request).endpoint();
    // Keeps the raw path and query as the client sent them; only the origin changes.
    return HttpURI.build(request.getHttpURI())
        .scheme("http")
        .host(endpoint.uriHost())
        .port(endpoint.port())
        .asImmutable();
  }

  private static UpstreamTarget target(Request request) {
    return (UpstreamTarget) request.getAttribute(TARGET);
  }

  @Override
  public void forward(UpstreamTarget target, Request request, Response response, Callback callback) {
    request.setAttribute(TARGET, target);
    handle(request, response, callback);
  }

  @Override
  public InvocationType getInvocationType() {
    return Invocable.InvocationType.NON_BLOCKING;
  }

  @Override
  protected HttpClient newHttpClient() {
    // super first: ProxyHandler's own setup (no redirects, no cookies, no decoders) still follows.
    HttpClient client = super.newHttpClient();
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
    UpstreamTarget target = target(clientToProxyRequest);
    return super.newProxyToServerRequest(clientToProxyRequest, newHttpURI)
        .timeout(target.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  protected void addProxyHeaders(
      Request clientToProxyRequest, org.eclipse.jetty.client.Request proxyToServerRequest) {
    String clientIp = Request.getRemoteAddr(clientToProxyRequest);
    String host = clientToProxyRequest.getHeaders().get(HttpHeader.HOST);
    if (host == null) {
      host = clientToProxyRequest.getHttpURI().getAuthority();
    }
    String forwardedHost = host;
    String proto = clientToProxyRequest.isSecure() ? "https" : "http";
    // Nobody in front of the node is trusted yet, so whatever the client claims is dropped.
    proxyToServerRequest.headers(headers -> {
      headers.remove(HttpHeader.X_FORWARDED_FOR);
      headers.remove(HttpHeader.X_FORWARDED_PROTO);
      headers.remove(HttpHeader.X_FORWARDED_HOST);
      headers.remove(HttpHeader.X_FORWARDED_PORT);
      headers.remove(HttpHeader.X_FORWARDED_SERVER);
      headers.remove(HttpHeader.FORWARDED);
      headers.remove(X_REAL_IP);
      headers.put(HttpHeader.X_FORWARDED_FOR, clientIp);
      headers.put(HttpHeader.X_FORWARDED_PROTO, proto);
      if (forwardedHost != null) {
        headers.put(HttpHeader.X_FORWARDED_HOST, forwardedHost);
      }
    });
    addViaHeader(clientToProxyRequest, proxyToServerRequest);
  }

  @Override
  protected HttpField filterServerToProxyResponseField(HttpField field) {
    if (field.getHeader() == HttpHeader.SERVER || field.getHeader() == HttpHeader.X_POWERED_BY) {
      return null;
    }
    return field;
  }

  @Override
  protected void onProxyToClientResponseComplete(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      org.eclipse.jetty.client.Response serverToProxyResponse,
      Response proxyToClientResponse,
      Callback proxyToClientCallback) {
    target(clientToProxyRequest).outcomes().accept(UpstreamOutcome.RESPONSE);
    super.onProxyToClientResponseComplete(clientToProxyRequest, proxyToServerRequest,
        serverToProxyResponse, proxyToClientResponse, proxyToClientCallback);
  }

  @Override
  protected void onProxyToClientResponseFailure(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      org.eclipse.jetty.client.Response serverToProxyResponse,
      Response proxyToClientResponse,
      Callback proxyToClientCallback,
      Throwable failure) {
    target(clientToProxyRequest).outcomes().accept(UpstreamOutcome.RESPONSE);
    super.onProxyToClientResponseFailure(clientToProxyRequest, proxyToServerRequest,
        serverToProxyResponse, proxyToClientResponse, proxyToClientCallback, failure);
  }

  @Override
  protected void onServerToProxyResponseFailure(
      Request clientToProxyRequest,
      org.eclipse.jetty.client.Request proxyToServerRequest,
      org.eclipse.jetty.client.Response serverToProxyResponse,
      Response proxyToClientResponse,
      Callback proxyToClientCallback,
      Throwable failure) {
    UpstreamTarget target = target(clientToProxyRequest);
    boolean responseBegun = serverToProxyResponse != null && serverToProxyResponse.getStatus() > 0;
    UpstreamOutcome outcome = classify(failure, responseBegun);
    target.outcomes().accept(outcome);
    if (LOG.isDebugEnabled()) {
      LOG.debug("P2S {} to {} failed: {}", outcome, target.endpoint(), failure.toString());
    }
    if (proxyToClientResponse.isCommitted()) {
      // Part of the upstream response is already with the client: only an abort tells it.
      proxyToClientCallback.failed(failure);
      return;
    }
    proxyToClientResponse.reset();
    switch (outcome) {
      case TIMEOUT -> PlainText.write(proxyToClientResponse, proxyToClientCallback,
          HttpStatus.GATEWAY_TIMEOUT_504, "upstream timed out\n");
      case REFUSED -> PlainText.write(proxyToClientResponse, proxyToClientCallback,
          HttpStatus.BAD_GATEWAY_502, "upstream connection refused\n");
      case RESET -> PlainText.write(proxyToClientResponse, proxyToClientCallback,
          HttpStatus.BAD_GATEWAY_502, "upstream connection reset\n");
      default -> PlainText.write(proxyToClientResponse, proxyToClientCallback,
          HttpStatus.BAD_GATEWAY_502, "upstream error\n");
    }
  }

  /** Maps a client-side failure to an outcome; package-private for tests. */
  static UpstreamOutcome classify(Throwable failure, boolean responseBegun) {
    return UpstreamFailures.classify(failure, responseBegun);
  }
}
