package dev.concierge.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.dataplane.chain.RequestLog;
import dev.concierge.dataplane.stats.StatsHandler;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.trace.TraceSampler;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Jetty rejects before the chain (431, 400) is answered by the node, counted as unrouted and
 * told to the request log, as the chain's own answers are.
 */
class NodeErrorHandlerTest {
  /** One completed request as the log was told of it. */
  record Logged(
      int status, String method, String path, String client, boolean routed, String requestId) {}

  private final TrafficStats stats = new TrafficStats();
  private final Queue<Logged> logged = new ConcurrentLinkedQueue<>();
  private Server server;
  private LocalConnector local;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    local = new LocalConnector(server);
    server.addConnector(local);
    Handler ok =
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            Content.Sink.write(response, true, "ok", callback);
            return true;
          }
        };
    RequestLog log =
        (context, status, durationNanos) ->
            logged.add(
                new Logged(
                    status,
                    context.getMethod(),
                    String.valueOf(context.getHttpURI().getPathQuery()),
                    context.clientAddress().text(),
                    context.routeName() != null,
                    context.requestId()));
    StatsHandler chain =
        new StatsHandler(
            stats, System::nanoTime, log, ThreadLocalRandom::current, TraceSampler.never(), ok);
    server.setHandler(chain);
    server.setErrorHandler(new NodeErrorHandler(chain::start));
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private long unrouted4xx() {
    TrafficCounters unrouted = stats.unroutedCounters();
    return unrouted.getResponses4Xx();
  }

  @Test
  void answersLogsAndCountsAHeaderBlockTooLarge() throws Exception {
    String response =
        local.getResponse(
            "GET /app HTTP/1.1\r\nHost: t\r\nX-Big: "
                + "a".repeat(20_000)
                + "\r\nConnection: close\r\n\r\n");

    assertThat(response)
        .startsWith("HTTP/1.1 431")
        .contains("request header fields too large\nrequest-id: ")
        .contains("trace-id: ");
    Logged line = await().atMost(Duration.ofSeconds(5)).until(logged::poll, l -> l != null);
    assertThat(line.status()).isEqualTo(431);
    assertThat(line.method()).isEqualTo("GET"); // the request line was read
    assertThat(line.path()).isEqualTo("/app");
    assertThat(line.routed()).isFalse();
    assertThat(response).contains("request-id: " + line.requestId() + "\n");
    await().atMost(Duration.ofSeconds(5)).until(() -> unrouted4xx() == 1);
  }

  @Test
  void answersLogsAndCountsAMalformedRequestLine() throws Exception {
    String response = local.getResponse("GARBAGE\r\n\r\n");

    assertThat(response).startsWith("HTTP/1.1 400").contains("bad request\nrequest-id: ");
    Logged line = await().atMost(Duration.ofSeconds(5)).until(logged::poll, l -> l != null);
    assertThat(line.status()).isEqualTo(400);
    // Jetty's stand-in for a request it could not read.
    assertThat(line.method() + " " + line.path()).isEqualTo("BAD /badMessage");
    await().atMost(Duration.ofSeconds(5)).until(() -> unrouted4xx() == 1);
  }

  @Test
  void logsTheChainsAnswersOnce() throws Exception {
    assertThat(local.getResponse("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200");

    Logged line = await().atMost(Duration.ofSeconds(5)).until(logged::poll, l -> l != null);
    assertThat(line.status()).isEqualTo(200);
    assertThat(logged).isEmpty();
  }
}
