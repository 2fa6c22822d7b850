package dev.concierge.dataplane.upstream;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.RetryBudget;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.ProxyServer;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.cluster.RetryLimiter;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.TrafficStats;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the cluster retry budget bounds: retries that add upstream load (a reset, a listed status)
 * wait for a place; a try that sent nothing (connection refused) is retried outside the budget. The
 * budget is filled by hand so the test does not depend on timing.
 */
class RetryBudgetScopeTest {
  private final EndpointRegistry registry = new EndpointRegistry();
  private Server backend;
  private ResettingBackend resetter;
  private ProxyServer proxy;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    backend = new Server();
    ServerConnector connector = new ServerConnector(backend);
    connector.setHost("127.0.0.1");
    backend.addConnector(connector);
    backend.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            Content.Sink.write(response, true, "ok", callback);
            return true;
          }
        });
    backend.start();
    resetter = ResettingBackend.start();
    client = HttpClient.newHttpClient();
  }

  private void startProxy(ProxyServer.Transport transport, int firstPort, int secondPort)
      throws Exception {
    RetryBudget tight = RetryBudget.newBuilder().setPercent(1).setMinRetryConcurrency(1).build();
    Cluster cluster = cluster("c", firstPort, secondPort).toBuilder().setRetryBudget(tight).build();
    Route route = route("r", List.of(), "/", "c");
    TrafficStats stats = new TrafficStats();
    RuntimeHolder runtimes = new RuntimeHolder();
    runtimes.set(
        new RuntimeCompiler(registry, stats)
            .compile(snapshot(1, List.of(cluster), List.of(route))));
    proxy =
        new ProxyServer(
                "127.0.0.1", 0, runtimes, ChainSettings.defaults().withStats(stats), transport)
            .start();
    // The one place the budget has is held by a retry of someone else's.
    RetryLimiter sameCounters = RetryLimiter.of(1, 1, registry.cluster("clusters/c").retryBudget());
    assertThat(sameCounters.tryAcquireRetry()).isTrue();
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    backend.stop();
    resetter.close();
  }

  private HttpResponse<String> get() throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + "/x")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int backendPort() {
    return ((ServerConnector) backend.getConnectors()[0]).getLocalPort();
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void aRefusedConnectionIsRetriedWithTheBudgetUsedUp(ProxyServer.Transport transport)
      throws Exception {
    int refusedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      refusedPort = s.getLocalPort();
    }
    startProxy(transport, refusedPort, backendPort());

    HttpResponse<String> answer = get(); // round robin starts at the refusing endpoint

    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("ok");
  }

  @ParameterizedTest
  @EnumSource(ProxyServer.Transport.class)
  void aResetIsNotRetriedWithTheBudgetUsedUp(ProxyServer.Transport transport) throws Exception {
    startProxy(transport, resetter.port(), backendPort());

    HttpResponse<String> answer = get(); // round robin starts at the resetting endpoint

    assertThat(answer.statusCode()).isEqualTo(502);
    assertThat(answer.body()).startsWith("upstream connection reset");
  }
}
