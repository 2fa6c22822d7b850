package dev.concierge.dataplane;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.dataplane.buffering.AdmissionPolicy;
import dev.concierge.dataplane.config.FakeDiscovery;
import dev.concierge.dataplane.identity.Enrollment;
import dev.concierge.dataplane.tls.TestCertificates;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole node against a fake control plane: config, proxying, admin pages, cached restart. */
class DataPlaneServerTest {
  private static final String TOKEN = "join-token";
  @TempDir Path cacheDir;
  private FakeDiscovery controlPlane;
  private Server backend;
  private int backendPort;
  private HttpClient client;

  @BeforeEach
  void start() throws Exception {
    controlPlane = new FakeDiscovery(TOKEN).start(0);
    backend = new Server();
    ServerConnector connector = new ServerConnector(backend);
    connector.setHost("127.0.0.1");
    backend.addConnector(connector);
    backend.setHandler(
        new Handler.Abstract.NonBlocking() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            Content.Sink.write(response, true, "hello from backend\n", callback);
            return true;
          }
        });
    backend.start();
    backendPort = connector.getLocalPort();
    client = new HttpClient();
    client.start();
  }

  @AfterEach
  void stop() throws Exception {
    client.stop();
    backend.stop();
    controlPlane.close();
  }

  private DataPlaneServer node(List<String> controlPlanes) throws Exception {
    return node(controlPlanes, TOKEN);
  }

  private DataPlaneServer node(List<String> controlPlanes, String joinToken) throws Exception {
    DataPlaneServer.Builder b = DataPlaneServer.builder();
    if (joinToken != null) {
      b.joinToken(joinToken);
    }
    return b.controlPlanes(controlPlanes)
        .controlPlaneCa(FakeDiscovery.caFile())
        .nodeId("node-a")
        .bindAddress("127.0.0.1")
        .httpPort(0)
        .httpsPort(0)
        .adminPort(0)
        .cacheDir(cacheDir)
        .labels(Map.of("zone", "test"))
        .reportInterval(Duration.ofMillis(200))
        .build()
        .start();
  }

  private static final TestCertificates.Pem SITE = TestCertificates.pem("site.test");

  private ConfigSnapshot config(long revision) {
    return snapshot(
            revision,
            List.of(cluster("web", backendPort)),
            List.of(route("web", List.of(), "/", "web")))
        .toBuilder()
        .addCertificates(
            Certificate.newBuilder()
                .setName("certificates/site")
                .setCertificateChain(SITE.chain())
                .setPrivateKey(SITE.key()))
        .build();
  }

  private ContentResponse admin(DataPlaneServer node, String path) throws Exception {
    return client.GET("http://127.0.0.1:" + node.adminPort() + path);
  }

  @Test
  void becomesReadyAppliesConfigAndProxies() throws Exception {
    try (DataPlaneServer node = node(List.of(controlPlane.target()))) {
      ConfigRequest hello = controlPlane.nextRequest();
      assertThat(hello.getNode().getId()).isEqualTo("node-a");
      assertThat(hello.getNode().getLabelsMap()).containsEntry("zone", "test");
      assertThat(hello.getNode().getAddress()).isEqualTo("127.0.0.1:" + node.httpPort());
      assertThat(node.appliedRevision()).isEqualTo(-1);
      ContentResponse notReady = admin(node, "/ready");
      assertThat(notReady.getStatus()).isEqualTo(503);
      assertThat(notReady.getContentAsString()).isEqualTo("not ready: no configuration yet\n");

      controlPlane.push("n1", config(4));
      ConfigRequest ack = controlPlane.nextRequest();

      assertThat(ack.getResponseNonce()).isEqualTo("n1");
      assertThat(ack.getErrorDetail()).isEmpty();
      assertThat(node.appliedRevision()).isEqualTo(4);
      assertThat(admin(node, "/ready").getStatus()).isEqualTo(200);
      ContentResponse config = admin(node, "/config");
      assertThat(config.getStatus()).isEqualTo(200);
      assertThat(config.getMediaType()).isEqualTo("application/json");
      assertThat(config.getContentAsString())
          .startsWith("{\"revision\": 4, \"snapshot\": {")
          .contains("certificates/site", "BEGIN CERTIFICATE")
          .doesNotContain(
              SITE.key().lines().skip(1).findFirst().orElseThrow(), "PRIVATE KEY", "privateKey");
      ContentResponse proxied = client.GET("http://127.0.0.1:" + node.httpPort() + "/x");
      assertThat(proxied.getStatus()).isEqualTo(200);
      assertThat(proxied.getContentAsString()).isEqualTo("hello from backend\n");
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(admin(node, "/stats").getContentAsString())
                      .contains(
                          "\"nodeId\": \"node-a\"",
                          "\"name\": \"routes/web\"",
                          "\"responses2xx\": \"1\""));
    }
  }

  @Test
  void admitsClientsUnderTheBuildersPolicy() throws Exception {
    try (DataPlaneServer node =
        DataPlaneServer.builder()
            .controlPlanes(List.of(controlPlane.target()))
            .controlPlaneCa(FakeDiscovery.caFile())
            .joinToken(TOKEN)
            .bindAddress("127.0.0.1")
            .httpPort(0)
            .httpsPort(0)
            .adminPort(0)
            .admission(AdmissionPolicy.defaults().withMaxBodySize(10))
            .build()
            .start()) {
      controlPlane.nextRequest();
      controlPlane.push("n1", config(1));
      controlPlane.nextRequest();
      ContentResponse small =
          client
              .POST("http://127.0.0.1:" + node.httpPort() + "/x")
              .body(new StringRequestContent("0123456789"))
              .send();
      assertThat(small.getStatus()).isEqualTo(200);
      ContentResponse large =
          client
              .POST("http://127.0.0.1:" + node.httpPort() + "/x")
              .body(new StringRequestContent("0123456789a"))
              .send();
      assertThat(large.getStatus()).isEqualTo(413);
      assertThat(large.getContentAsString()).startsWith("request body too large\nrequest-id: ");
    }
  }

  @Test
  void failedStartLeavesNothingRunning() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      DataPlaneServer node =
          DataPlaneServer.builder()
              .controlPlanes(List.of(controlPlane.target()))
              .controlPlaneCa(FakeDiscovery.caFile())
              .joinToken(TOKEN)
              .bindAddress("127.0.0.1")
              .httpPort(0)
              .httpsPort(0)
              .adminPort(taken.getLocalPort())
              .build();

      assertThatThrownBy(node::start).isInstanceOf(java.io.IOException.class);
      node.awaitTermination();
    }
    assertThat(controlPlane.requests).isEmpty();
  }

  @Test
  void restartsFromCachedSnapshotWhileControlPlaneIsDown() throws Exception {
    try (DataPlaneServer node = node(List.of(controlPlane.target()))) {
      controlPlane.nextRequest();
      controlPlane.push("n1", config(4));
      controlPlane.nextRequest();
      assertThat(node.appliedRevision()).isEqualTo(4);
    }
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }

    try (DataPlaneServer node = node(List.of("127.0.0.1:" + deadPort))) {
      assertThat(node.appliedRevision()).isEqualTo(4);
      assertThat(admin(node, "/ready").getStatus()).isEqualTo(200);
      ContentResponse proxied = client.GET("http://127.0.0.1:" + node.httpPort() + "/x");
      assertThat(proxied.getContentAsString()).isEqualTo("hello from backend\n");
    }
  }

  @Test
  void joinsWithItsTokenThenStreamsWithItsOwnClientCertificate() throws Exception {
    try (DataPlaneServer node = node(List.of(controlPlane.target()))) {
      assertThat(controlPlane.nextRequest().getNode().getId()).isEqualTo(node.nodeId());
      assertThat(controlPlane.nextCall()).isEqualTo("Join -");
      assertThat(controlPlane.nextCall()).isEqualTo("StreamConfig CN=node-a");
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(cacheDir.resolve("node.key"))))
          .isEqualTo("rw-------");
      assertThat(Files.readString(cacheDir.resolve("node.crt")))
          .contains("BEGIN CERTIFICATE")
          .doesNotContain("PRIVATE");
    }
  }

  @Test
  void restartsWithItsStoredCertificateAndNeedsNoToken() throws Exception {
    try (DataPlaneServer node = node(List.of(controlPlane.target()))) {
      assertThat(controlPlane.nextRequest().getNode().getId()).isEqualTo(node.nodeId());
    }
    controlPlane.calls.clear();
    try (DataPlaneServer node = node(List.of(controlPlane.target()), null)) {
      assertThat(controlPlane.nextRequest().getNode().getId()).isEqualTo(node.nodeId());
      assertThat(controlPlane.nextCall()).isEqualTo("StreamConfig CN=node-a");
    }
  }

  @Test
  void aNodeWithNeitherCertificateNorTokenDoesNotStart() throws Exception {
    assertThatThrownBy(() -> node(List.of(controlPlane.target()), null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "node node-a has no certificate in "
                + cacheDir
                + " and no join token: give one"
                + " (concierge node token create)");
    assertThat(controlPlane.calls).isEmpty();
  }

  @Test
  void aRefusedJoinTokenIsLoggedOnceAndNoConfigurationIsAsked() throws Exception {
    ch.qos.logback.classic.Logger logger =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Enrollment.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try (DataPlaneServer node = node(List.of(controlPlane.target()), "wrong")) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> controlPlane.calls.stream().filter(c -> c.startsWith("Join")).count() >= 3);
      assertThat(controlPlane.calls).allMatch(c -> c.equals("Join -"));
      assertThat(controlPlane.requests).isEmpty();
      assertThat(node.appliedRevision()).isEqualTo(-1);
      assertThat(log.list)
          .filteredOn(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
          .extracting(ILoggingEvent::getFormattedMessage)
          .containsExactly("control plane refused the join token: unknown or revoked join token");
    } finally {
      logger.detachAppender(log);
    }
  }

  @Test
  void renewsItsCertificateBeforeItExpiresWhileTheStreamKeepsWorking() throws Exception {
    controlPlane.certificateTtl(Duration.ofSeconds(3));
    try (DataPlaneServer node = node(List.of(controlPlane.target()))) {
      controlPlane.nextRequest();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> controlPlane.calls.contains("Renew CN=node-a"));
      controlPlane.push("n1", config(4));
      assertThat(controlPlane.nextRequest().getResponseNonce()).isEqualTo("n1");
      assertThat(node.appliedRevision()).isEqualTo(4);
      // The stream opened before the renewal is the only one: renewal did not reconnect it.
      assertThat(controlPlane.calls).filteredOn(c -> c.startsWith("StreamConfig")).hasSize(1);
    }
  }
}
