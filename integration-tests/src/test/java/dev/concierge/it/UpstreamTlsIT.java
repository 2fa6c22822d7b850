package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.DeleteCertificateRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.api.v1.UpdateClusterRequest;
import dev.concierge.api.v1.UpstreamTls;
import dev.concierge.dataplane.upstream.UpstreamHandler;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * Clusters whose endpoints speak TLS (re-encryption): backends with certificates of a CA made here
 * are reached with verification against that CA, refused (502, one log line with the reason) when
 * their name does not match, reached again with verification off, over kept-alive TLS connections,
 * and with a client certificate when they require one.
 */
class UpstreamTlsIT {
  @TempDir Path dataDir;
  private TestCa ca;
  private TlsBackend backend;
  private Fleet fleet;
  private int port;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger handlerLog = (Logger) LoggerFactory.getLogger(UpstreamHandler.class);

  @BeforeEach
  void setUp() throws Exception {
    ca = TestCa.create("Upstream Test CA");
    backend = TlsBackend.start("secure", ca.issue("backend.test"));
    fleet = Fleet.start(dataDir, 1);
    port = fleet.nodes().get(0).httpPort();
    log.start();
    handlerLog.addAppender(log);
  }

  @AfterEach
  void tearDown() throws Exception {
    handlerLog.detachAppender(log);
    fleet.close();
    backend.close();
  }

  private void tlsCluster(String id, TlsBackend to, UpstreamTls.Builder tls) {
    tlsCluster(id, to, Cluster.newBuilder().setTls(tls));
  }

  private void tlsCluster(String id, TlsBackend to, Cluster.Builder cluster) {
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId(id)
                .setCluster(
                    cluster.addEndpoints(
                        Endpoint.newBuilder().setHost("127.0.0.1").setPort(to.port())))
                .build());
    fleet.createRoute(id, "/" + id, id);
    fleet.awaitSynced();
  }

  @Test
  void reachesABackendVerifiedAgainstTheClusterCa() throws Exception {
    tlsCluster(
        "verified",
        backend,
        UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("backend.test"));

    HttpResponse<String> response = Http.get(port, "/verified");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("secure");
    assertThat(backend.requests()).isEqualTo(1);
  }

  @Test
  void refusesABackendWhoseCertificateLacksTheNameWith502AndOneLogLine() throws Exception {
    tlsCluster(
        "wrong-name",
        backend,
        UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("other.test"));

    HttpResponse<String> response = Http.get(port, "/wrong-name");

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(backend.requests()).isZero();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(log.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(
                        line ->
                            assertThat(line)
                                .contains("TLS handshake with 127.0.0.1:" + backend.port())
                                .contains("clusters/wrong-name")
                                .contains("No subject alternative DNS name matching other.test")));
  }

  @Test
  void refusesABackendOfAnotherCaAndTheSystemTrustStoreDoesNotKnowTheTestCa() throws Exception {
    TestCa other = TestCa.create("Another CA");
    tlsCluster(
        "other-ca",
        backend,
        UpstreamTls.newBuilder().setCaBundle(other.pem()).setServerName("backend.test"));
    tlsCluster("system", backend, UpstreamTls.newBuilder().setServerName("backend.test"));

    assertThat(Http.get(port, "/other-ca").statusCode()).isEqualTo(502);
    assertThat(Http.get(port, "/system").statusCode()).isEqualTo(502);
    assertThat(backend.requests()).isZero();
  }

  @Test
  void reachesTheSameBackendWhenVerificationIsOff() throws Exception {
    tlsCluster(
        "unverified",
        backend,
        UpstreamTls.newBuilder().setInsecureSkipVerify(true).setServerName("other.test"));

    HttpResponse<String> response = Http.get(port, "/unverified");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("secure");
  }

  @Test
  void keepsTlsConnectionsAliveAcrossRequests() throws Exception {
    tlsCluster(
        "pooled",
        backend,
        UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("backend.test"));
    // One client connection, so one node selector and its one keep-alive pool.
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/pooled")).build();

    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
    }

    assertThat(backend.requests()).isEqualTo(10);
    assertThat(backend.connections()).isEqualTo(1);
  }

  @Test
  void presentsTheClusterClientCertificateToABackendThatRequiresOne() throws Exception {
    TestCa clients = TestCa.create("Client CA");
    TestCa.Issued client = clients.issue("node.client.test");
    try (TlsBackend mutual =
        TlsBackend.requiringClientCertificate("mutual", ca.issue("backend.test"), clients)) {
      fleet
          .api()
          .createCertificate(
              CreateCertificateRequest.newBuilder()
                  .setCertificateId("node-client")
                  .setCertificate(
                      Certificate.newBuilder()
                          .setCertificateChain(client.chainPem())
                          .setPrivateKey(client.keyPem()))
                  .build());
      tlsCluster(
          "anonymous",
          mutual,
          UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("backend.test"));
      tlsCluster(
          "mutual",
          mutual,
          UpstreamTls.newBuilder()
              .setCaBundle(ca.pem())
              .setServerName("backend.test")
              .setClientCertificate("certificates/node-client"));

      HttpResponse<String> response = Http.get(port, "/mutual");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("X-Client-Certificate"))
          .hasValue("CN=node.client.test");
      assertThat(Http.get(port, "/anonymous").statusCode()).isEqualTo(502);
      // The certificate a cluster presents cannot be deleted from under it.
      assertThatThrownBy(
              () ->
                  fleet
                      .api()
                      .deleteCertificate(
                          DeleteCertificateRequest.newBuilder()
                              .setName("certificates/node-client")
                              .build()))
          .isInstanceOf(StatusRuntimeException.class)
          .hasMessageContaining("clusters/mutual");
    }
  }

  @Test
  void speaksH2ByAlpnToATlsBackendOfAnHttp2Cluster() throws Exception {
    try (TlsBackend h2 = TlsBackend.h2("h2", ca.issue("backend.test"))) {
      tlsCluster(
          "h2",
          h2,
          Cluster.newBuilder()
              .setProtocol(Cluster.Protocol.HTTP2)
              .setTls(
                  UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("backend.test")));
      tlsCluster(
          "h2-wrong-name",
          h2,
          Cluster.newBuilder()
              .setProtocol(Cluster.Protocol.HTTP2)
              .setTls(UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("other.test")));

      HttpResponse<String> response = Http.get(port, "/h2");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("h2");
      assertThat(h2.lastVersion()).isEqualTo("HTTP/2.0");
      assertThat(Http.get(port, "/h2-wrong-name").statusCode()).isEqualTo(502);
      assertThat(h2.requests()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = Cluster.Protocol.class,
      names = {"HTTP1", "HTTP2"})
  void aChangedTlsPolicyClosesTheOldPolicysIdleConnections(Cluster.Protocol protocol)
      throws Exception {
    try (TlsBackend changed =
        protocol == Cluster.Protocol.HTTP2
            ? TlsBackend.h2("h2", ca.issue("backend.test"))
            : TlsBackend.start("h2", ca.issue("backend.test"))) {
      Cluster.Builder cluster =
          Cluster.newBuilder()
              .setProtocol(protocol)
              .setTls(UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("backend.test"));
      tlsCluster("h2", changed, cluster.clone());
      assertThat(Http.get(port, "/h2").statusCode()).isEqualTo(200);
      assertThat(changed.connections()).isEqualTo(1);
      assertThat(changed.closedConnections()).isZero();

      // A second CA joins the bundle (a CA rotation begins): a new policy for the node.
      fleet
          .api()
          .updateCluster(
              UpdateClusterRequest.newBuilder()
                  .setCluster(
                      Cluster.newBuilder()
                          .setName("clusters/h2")
                          .setTls(
                              UpstreamTls.newBuilder()
                                  .setCaBundle(ca.pem() + TestCa.create("Next CA").pem())
                                  .setServerName("backend.test")))
                  .setUpdateMask(FieldMask.newBuilder().addPaths("tls"))
                  .build());
      fleet.awaitSynced();
      assertThat(Http.get(port, "/h2").statusCode()).isEqualTo(200);

      // The new policy opened a connection of its own; the old policy's idle one is closed (HTTP2:
      // its client stopped) well before any idle timeout would have.
      assertThat(changed.connections()).isEqualTo(2);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(changed.closedConnections()).isEqualTo(1));
    }
  }

  @Test
  void checksTlsEndpointsOverTlsSoAWrongNameMakesThemUnhealthy() throws Exception {
    HealthCheck.Builder check =
        HealthCheck.newBuilder()
            .setHttp(HealthCheck.Http.newBuilder().setPath("/healthz"))
            .setInterval(Durations.fromMillis(500))
            .setTimeout(Durations.fromMillis(450))
            .setHealthyThreshold(1)
            .setUnhealthyThreshold(2);
    String endpoint = "127.0.0.1:" + backend.port();
    tlsCluster(
        "checked",
        backend,
        Cluster.newBuilder()
            .setHealthCheck(check)
            .setTls(UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("backend.test")));
    tlsCluster(
        "misnamed",
        backend,
        Cluster.newBuilder()
            .setHealthCheck(check)
            .setTls(UpstreamTls.newBuilder().setCaBundle(ca.pem()).setServerName("other.test")));
    var node = fleet.nodes().get(0);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Boolean.FALSE.equals(node.endpointHealthy("clusters/misnamed", endpoint)));
    await().atMost(Duration.ofSeconds(10)).until(() -> backend.healthChecks() >= 3);
    assertThat(node.endpointHealthy("clusters/checked", endpoint)).isTrue();
  }

  @Test
  void refusesAClusterNamingAMissingClientCertificate() {
    assertThatThrownBy(
            () ->
                fleet
                    .api()
                    .createCluster(
                        CreateClusterRequest.newBuilder()
                            .setClusterId("dangling")
                            .setCluster(
                                Cluster.newBuilder()
                                    .addEndpoints(
                                        Endpoint.newBuilder()
                                            .setHost("127.0.0.1")
                                            .setPort(backend.port()))
                                    .setTls(
                                        UpstreamTls.newBuilder()
                                            .setClientCertificate("certificates/nope")))
                            .build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("certificates/nope");
  }
}
