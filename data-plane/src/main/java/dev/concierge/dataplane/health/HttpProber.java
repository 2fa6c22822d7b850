package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.transport.jetty.EndpointTransport;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The h2c HTTP and gRPC checks of HTTP2 clusters ({@link HealthChecker} sends HTTP1 clusters' HTTP
 * checks to the cheaper {@link Http1Prober}) over a Jetty {@link HttpClient} of its own: a small
 * thread pool and at most one keep-alive connection per endpoint, so checks cost a request each and
 * not a connection. HTTP/1.1 by default; over h2c with prior knowledge when the cluster speaks
 * HTTP/2 (the URI then names the Host, sent as {@code :authority}, and an {@link EndpointTransport}
 * where to connect). The client resolves nothing: it connects to the address the node's resolver
 * last found. Thread-safe.
 */
final class HttpProber implements Prober, AutoCloseable {
  /** How much of a body is searched for the expected text. */
  static final int MAX_BODY = 64 * 1024;

  private final HttpClient client;
  private final GrpcProber grpc;

  private HttpProber(HttpClient client) {
    this.client = client;
    this.grpc = new GrpcProber(this);
  }

  /** A started prober. */
  static HttpProber start() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(8, 1);
    threads.setName("concierge-health-http");
    threads.setDaemon(true);
    ClientConnector connector = new ClientConnector();
    connector.setExecutor(threads);
    // HTTP/1.1 unless a request asks for HTTP/2, which on http:// is h2c with prior knowledge.
    HttpClient client =
        new HttpClient(
            new HttpClientTransportDynamic(
                connector,
                HttpClientConnectionFactory.HTTP11,
                new ClientConnectionFactoryOverHTTP2.HTTP2(new HTTP2Client(connector))));
    client.setExecutor(threads);
    client.setMaxConnectionsPerDestination(1);
    client.setFollowRedirects(false);
    client.setUserAgentField(null);
    client.getContentDecoderFactories().clear();
    client.start();
    return new HttpProber(client);
  }

  @Override
  public void probe(Endpoint endpoint, HealthCheckPolicy policy, Result done) {
    if (policy.grpc() != null) {
      grpc.probe(endpoint, policy, done);
      return;
    }
    HealthCheckPolicy.HttpCheck http = Objects.requireNonNull(policy.http(), "http");
    String host = http.host() != null ? http.host() : endpoint.uriHost() + ":" + endpoint.port();
    Request request = newRequest(endpoint, policy, host, http.path());
    if (request == null) {
      done.ended("host not resolved"); // the name does not resolve (yet)
      return;
    }
    request.method(http.head() ? HttpMethod.HEAD : HttpMethod.GET);
    String wanted = http.bodyContains();
    if (wanted == null) {
      request.send(result -> done.ended(verdict(result, http, null, null)));
      return;
    }
    BoundedBody body = new BoundedBody();
    request.onResponseContent(body).send(result -> done.ended(verdict(result, http, body, wanted)));
  }

  /**
   * A request for {@code path} on {@code endpoint} with Host (or {@code :authority}) {@code host},
   * over h2c when the policy says so, timed out at the policy's timeout; {@code null} when the
   * endpoint's host does not resolve.
   */
  @Nullable Request newRequest(
      Endpoint endpoint, HealthCheckPolicy policy, String host, String path) {
    Request request;
    if (policy.h2c()) {
      InetSocketAddress address = endpoint.resolved().socketAddress(endpoint.port());
      if (address == null) {
        return null;
      }
      // RFC 9113: :authority stands for Host, so the URI names it; the transport says where to go.
      request =
          client
              .newRequest("http://" + host + path)
              .version(HttpVersion.HTTP_2)
              .transport(new EndpointTransport(address));
    } else {
      String ip = endpoint.resolved().uriHost();
      if (ip == null) {
        return null;
      }
      request =
          client
              .newRequest("http://" + ip + ":" + endpoint.port() + path)
              .headers(h -> h.put(HttpHeader.HOST, host));
    }
    return request
        .headers(h -> h.put(HttpHeader.USER_AGENT, Http1Prober.USER_AGENT))
        .timeout(policy.timeoutNanos(), TimeUnit.NANOSECONDS);
  }

  /** Why the exchange fails the check, or null when it passes. */
  private static @Nullable String verdict(
      org.eclipse.jetty.client.Result result,
      HealthCheckPolicy.HttpCheck http,
      @Nullable BoundedBody body,
      @Nullable String wanted) {
    if (result.isFailed()) {
      return Prober.describe(result.getFailure());
    }
    int status = result.getResponse().getStatus();
    if (!http.expects(status)) {
      return "status " + status;
    }
    if (body != null && wanted != null && !body.text().contains(wanted)) {
      return "body lacks \"" + wanted + "\"";
    }
    return null;
  }

  @Override
  public void close() {
    try {
      client.stop();
    } catch (Exception e) {
      // Stopping a client that has no work left fails only in ways that leave nothing behind.
      LoggerFactory.getLogger(HttpProber.class).warn("health check client did not stop", e);
    }
  }

  /** Keeps the first {@link #MAX_BODY} bytes of a body and drops the rest. */
  static final class BoundedBody implements org.eclipse.jetty.client.Response.ContentListener {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public void onContent(org.eclipse.jetty.client.Response response, ByteBuffer content) {
      int take = Math.min(content.remaining(), MAX_BODY - bytes.size());
      for (int i = 0; i < take; i++) {
        bytes.write(content.get());
      }
    }

    byte[] bytes() {
      return bytes.toByteArray();
    }

    String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
