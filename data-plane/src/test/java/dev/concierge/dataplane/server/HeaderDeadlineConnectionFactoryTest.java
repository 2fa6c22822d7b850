package dev.concierge.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

/** The total header deadline on a real connector: 600 ms for headers, 5 s idle timeout. */
class HeaderDeadlineConnectionFactoryTest {
  private static final Duration HEADER_TIMEOUT = Duration.ofMillis(600);

  private final AtomicInteger handled = new AtomicInteger();
  private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
  private Server server;
  private int port;

  @BeforeEach
  void start() throws Exception {
    server = new Server();
    ServerConnector connector =
        new ServerConnector(
            server, new HeaderDeadlineConnectionFactory(new HttpConfiguration(), HEADER_TIMEOUT));
    connector.setHost("127.0.0.1");
    connector.setIdleTimeout(5_000);
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            handled.incrementAndGet();
            response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.UTF_8)), callback);
            return true;
          }
        });
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stop() throws Exception {
    trickler.shutdownNow();
    server.stop();
  }

  private ScheduledFuture<?> trickle(RawClient client, String text, long everyMillis) {
    AtomicInteger at = new AtomicInteger();
    return trickler.scheduleAtFixedRate(
        () -> {
          int i = at.getAndIncrement();
          if (i < text.length()) {
            try {
              client.send(text.substring(i, i + 1));
            } catch (IOException e) {
              throw new IllegalStateException("closed", e);
            }
          }
        },
        0,
        everyMillis,
        TimeUnit.MILLISECONDS);
  }

  @Test
  void closesConnectionThatTricklesItsHeaderBlock() throws Exception {
    try (RawClient client = RawClient.connect(port)) {
      String request =
          "GET /trickle HTTP/1.1\r\nHost: test\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n";
      long start = System.nanoTime();
      // A byte every 50 ms: far inside the idle timeout, but the block needs > 6 s in all.
      ScheduledFuture<?> trickle = trickle(client, request, 50);
      assertThat(client.awaitClosedByPeer()).isTrue();
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      trickle.cancel(false);
      assertThat(elapsedMillis).isBetween(500L, 3_000L);
    }
    assertThat(handled).hasValue(0);
  }

  @Test
  void closesNewConnectionThatSendsNothing() throws Exception {
    try (RawClient client = RawClient.connect(port)) {
      long start = System.nanoTime();
      assertThat(client.awaitClosedByPeer()).isTrue();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(500L, 3_000L);
    }
  }

  @Test
  void keepsIdleKeepAliveConnectionPastHeaderDeadlineAndTimesEachRequestFromItsFirstByte()
      throws Exception {
    try (RawClient client = RawClient.connect(port)) {
      client.send("GET /one HTTP/1.1\r\nHost: test\r\n\r\n");
      assertThat(client.readResponse().status()).isEqualTo(200);
      // Idle between requests for longer than the header deadline: the idle timeout governs.
      await()
          .pollDelay(HEADER_TIMEOUT.multipliedBy(2))
          .atMost(Duration.ofSeconds(3))
          .until(() -> true);
      client.send("GET /two HTTP/1.1\r\nHost: test\r\n\r\n");
      assertThat(client.readResponse().status()).isEqualTo(200);
      // A request that starts and then trickles is still cut at its own deadline.
      ScheduledFuture<?> trickle =
          trickle(client, "GET /three HTTP/1.1\r\nHost: test\r\nX-Slow: " + "a".repeat(100), 50);
      assertThat(client.awaitClosedByPeer()).isTrue();
      trickle.cancel(false);
    }
    assertThat(handled).hasValue(2);
  }

  @Test
  void servesHeaderBlockThatArrivesInPiecesWithinDeadline() throws Exception {
    try (RawClient client = RawClient.connect(port)) {
      client.send("GET /pieces HTTP/1.1\r\n");
      client.send("Host: test\r\n");
      client.send("\r\n");
      assertThat(client.readResponse().status()).isEqualTo(200);
    }
  }
}
