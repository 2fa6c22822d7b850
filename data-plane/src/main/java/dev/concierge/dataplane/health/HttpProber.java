package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.Endpoint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.LoggerFactory;

/**
 * HTTP checks over a Jetty {@link HttpClient} of its own: a small thread pool and at most one
 * keep-alive connection per endpoint, so checks cost a request each and not a connection. The
 * client resolves nothing: it connects to the address the node's resolver last found. Thread-safe.
 */
final class HttpProber implements Prober, AutoCloseable {
  /** How much of a body is searched for the expected text. */
  static final int MAX_BODY = 64 * 1024;

  private final HttpClient client;

  private HttpProber(HttpClient client) {
    this.client = client;
  }

  /** A started prober. */
  static HttpProber start() throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(8, 1);
    threads.setName("concierge-health-http");
    threads.setDaemon(true);
    HttpClient client = new HttpClient();
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
    HealthCheckPolicy.HttpCheck http = java.util.Objects.requireNonNull(policy.http(), "http");
    String ip = endpoint.resolved().uriHost();
    if (ip == null) {
      done.passed(false); // the name does not resolve (yet)
      return;
    }
    String host = http.host() != null ? http.host() : endpoint.uriHost() + ":" + endpoint.port();
    Request request =
        client
            .newRequest("http://" + ip + ":" + endpoint.port() + http.path())
            .method(http.head() ? HttpMethod.HEAD : HttpMethod.GET)
            .headers(h -> h.put(HttpHeader.HOST, host).put(HttpHeader.USER_AGENT, "concierge"))
            .timeout(policy.timeoutNanos(), TimeUnit.NANOSECONDS);
    String wanted = http.bodyContains();
    if (wanted == null) {
      request.send(
          result ->
              done.passed(result.isSucceeded() && http.expects(result.getResponse().getStatus())));
      return;
    }
    BoundedBody body = new BoundedBody();
    request
        .onResponseContent(body)
        .send(
            result ->
                done.passed(
                    result.isSucceeded()
                        && http.expects(result.getResponse().getStatus())
                        && body.text().contains(wanted)));
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
  private static final class BoundedBody
      implements org.eclipse.jetty.client.Response.ContentListener {
    private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();

    @Override
    public void onContent(org.eclipse.jetty.client.Response response, ByteBuffer content) {
      int take = Math.min(content.remaining(), MAX_BODY - bytes.size());
      for (int i = 0; i < take; i++) {
        bytes.write(content.get());
      }
    }

    String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }
  }
}
