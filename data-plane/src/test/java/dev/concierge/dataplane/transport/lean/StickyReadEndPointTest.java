package dev.concierge.dataplane.transport.lean;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.dataplane.ChainSettings;
import dev.concierge.dataplane.HandlerChain;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.server.StickyReadEndPoint;
import dev.concierge.dataplane.transport.lean.RawBackend.Answer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;

/**
 * The selector side of {@link StickyReadEndPoint}: bytes nobody asked for yet do not make it spin.
 */
class StickyReadEndPointTest {
  @Test
  void aClientSendingWhileItsRequestIsInFlightDoesNotKeepTheSelectorBusy() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    try (RawBackend backend =
        new RawBackend(
            (head, body, i) -> {
              if (head.startsWith("GET /first")) {
                try {
                  gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              return Answer.keep("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            })) {
      Server server = new Server();
      LeanConnector connector =
          new LeanConnector(server, 1, 1, new HttpConnectionFactory(new HttpConfiguration()));
      connector.setHost("127.0.0.1");
      server.addConnector(connector);
      RuntimeHolder runtimes = new RuntimeHolder();
      runtimes.set(
          new RuntimeCompiler()
              .compile(
                  snapshot(
                      1,
                      List.of(cluster("raw", backend.port())),
                      List.of(route("raw", List.of(), "/", "raw")))));
      server.setHandler(
          HandlerChain.of(
              runtimes,
              new LeanProxyTransport(connector, LeanProxyTransport.Settings.defaults()),
              ChainSettings.defaults()));
      server.start();
      try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), connector.getLocalPort())) {
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write(
            "GET /first HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.heads.size() == 1);
        StickyReadEndPoint client =
            (StickyReadEndPoint)
                connector.getConnectedEndPoints().stream()
                    .filter(e -> e instanceof LeanConnector.DownstreamEndPoint)
                    .map(EndPoint.class::cast)
                    .findFirst()
                    .orElseThrow();
        int before = client.selections();

        // Readable with no read pending: one wake-up, then read interest is dropped until the
        // first response is done. A spinning selector would count thousands here.
        out.write(
            "GET /second HTTP/1.1\r\nHost: a.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        await()
            .during(Duration.ofMillis(300))
            .atMost(Duration.ofSeconds(2))
            .until(() -> client.selections() - before <= 1);
        gate.countDown();

        InputStream in = socket.getInputStream();
        StringBuilder answers = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (answers.toString().split("HTTP/1.1 200 ", -1).length < 3
            || !answers.toString().endsWith("ok")) {
          int n = in.read(buffer);
          assertThat(n).as("answers so far: %s", answers).isPositive();
          answers.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
        }
        assertThat(backend.heads).hasSize(2);
        assertThat(backend.heads.get(1)).startsWith("GET /second");
      } finally {
        server.stop();
      }
    }
  }
}
