package dev.concierge.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.dataplane.limits.LimitCounters;
import dev.concierge.dataplane.limits.ListenerLimits;
import dev.concierge.dataplane.limits.Refusal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The request limits of a connection-limits policy on a real connector, read as each opens. */
class LimitedConnectionTest {
  private final AtomicReference<ListenerLimits> limits = new AtomicReference<>(ListenerLimits.NONE);
  private final LimitCounters refused = new LimitCounters();
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector =
        new ServerConnector(
            server,
            new HeaderDeadlineConnectionFactory(
                new HttpConfiguration(), Duration.ofSeconds(10), limits::get, refused));
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.UTF_8)), callback);
            return true;
          }
        });
    server.start();
    port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private static String request(String target, int extraHeaders, int headerBytes) {
    StringBuilder head = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: test\r\n");
    for (int i = 0; i < extraHeaders; i++) {
      head.append("X-H").append(i).append(": ").append(i).append("\r\n");
    }
    if (headerBytes > 0) {
      head.append("X-Big: ").append("a".repeat(headerBytes)).append("\r\n");
    }
    return head.append("\r\n").toString();
  }

  private int status(String request) throws Exception {
    try (RawClient client = RawClient.connect(port)) {
      client.send(request);
      RawClient.Response response = client.readResponse();
      return response == null ? -1 : response.status();
    }
  }

  @Test
  void withoutAPolicyOnlyJettysHeadLimitHolds() throws Exception {
    assertThat(status(request("/" + "u".repeat(3000), 200, 0))).isEqualTo(200);
    assertThat(status(request("/", 0, 9000))).isEqualTo(431);
    assertThat(refused.get(Refusal.HEADER_BYTES)).isEqualTo(1);
  }

  @Test
  void refusesTooManyHeadersTooLargeAHeadAndTooLongATargetAndCountsEach() throws Exception {
    limits.set(new ListenerLimits(0, 0, 0, 10, 2048, 512));

    assertThat(status(request("/", 9, 0))).isEqualTo(200); // Host and 9: 10 fields
    assertThat(status(request("/", 10, 0))).isEqualTo(431);
    assertThat(status(request("/", 0, 3000))).isEqualTo(431);
    assertThat(status(request("/" + "u".repeat(600), 0, 0))).isEqualTo(414);
    assertThat(status(request("/" + "u".repeat(3000), 0, 0))).isEqualTo(414);
    assertThat(status(request("/" + "u".repeat(500), 0, 0))).isEqualTo(200);

    assertThat(refused.get(Refusal.HEADER_COUNT)).isEqualTo(1);
    assertThat(refused.get(Refusal.HEADER_BYTES)).isEqualTo(1);
    assertThat(refused.get(Refusal.URI_LENGTH)).isEqualTo(2);
  }

  @Test
  void theLastRequestOfAConnectionSaysCloseAndTheConnectionCloses() throws Exception {
    limits.set(new ListenerLimits(0, 0, 2, 0, 0, 0));
    try (RawClient client = RawClient.connect(port)) {
      client.send(request("/1", 0, 0));
      RawClient.Response first = client.readResponse();
      client.send(request("/2", 0, 0));
      RawClient.Response second = client.readResponse();

      assertThat(first.headers()).doesNotContainKey("connection");
      assertThat(second.status()).isEqualTo(200);
      assertThat(second.headers()).containsEntry("connection", "close");
      assertThat(client.awaitClosedByPeer()).isTrue();
    }
  }

  @Test
  void aNewPolicyAppliesToConnectionsOpenedAfterIt() throws Exception {
    try (RawClient before = RawClient.connect(port)) {
      before.send(request("/", 0, 0));
      assertThat(before.readResponse().status()).isEqualTo(200);

      limits.set(new ListenerLimits(0, 0, 0, 5, 0, 0));

      assertThat(status(request("/", 10, 0))).isEqualTo(431);
      before.send(request("/", 10, 0));
      assertThat(before.readResponse().status()).isEqualTo(200);
    }
  }
}
