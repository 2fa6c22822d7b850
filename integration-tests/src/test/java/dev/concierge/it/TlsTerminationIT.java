package dev.concierge.it;

import static dev.concierge.it.TlsProbe.HANDSHAKE_FAILURE;
import static dev.concierge.it.TlsProbe.PROTOCOL_VERSION;
import static dev.concierge.it.TlsProbe.TLS_1_1;
import static dev.concierge.it.TlsProbe.TLS_1_2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.DeleteCertificateRequest;
import dev.concierge.api.v1.ServedCertificateStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's HTTPS port with certificates from the control plane: SNI picks exact names over
 * wildcards and falls back to the default certificate, ECDSA is preferred where a name has both,
 * ALPN negotiates h2, and TLS 1.1 or a CBC or RSA-key-exchange suite is refused at the handshake.
 */
class TlsTerminationIT {
  @TempDir Path dataDir;
  private final TestPki pki = new TestPki("Concierge Test CA");
  private TestBackend backend;
  private Fleet fleet;
  private int httpsPort;
  private TestPki.Issued aRsa;
  private TestPki.Issued aEcdsa;
  private TestPki.Issued b;
  private TestPki.Issued fallback;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("web");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("web", backend);
    fleet.createRoute("web", "/", "web");
    aRsa = pki.issue("a.example.test", false, "a.example.test");
    aEcdsa = pki.issue("a.example.test", true, "a.example.test");
    b = pki.issue("b wildcard", false, "*.b.example.test");
    fallback = pki.issue("default", true, "default.example.test", "127.0.0.1");
    addCertificate("a-rsa", aRsa, false);
    addCertificate("a-ecdsa", aEcdsa, false);
    addCertificate("b", b, false);
    addCertificate("fallback", fallback, true);
    fleet.awaitSynced();
    httpsPort = fleet.nodes().get(0).httpsPort();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  private void addCertificate(String id, TestPki.Issued issued, boolean isDefault) {
    fleet
        .api()
        .createCertificate(
            CreateCertificateRequest.newBuilder()
                .setCertificateId(id)
                .setCertificate(
                    Certificate.newBuilder()
                        .setCertificateChain(issued.chainPem())
                        .setPrivateKey(issued.keyPem())
                        .setDefaultCertificate(isDefault))
                .build());
  }

  @Test
  void theNodesStatsFlagEveryServedCertificateCloseToExpiry() {
    // TestPki's leaves live 10 days: inside the default 14-day warning.
    List<ServedCertificateStatus> certificates =
        NodeStats.of(fleet.nodes().get(0)).getCertificatesList();

    assertThat(certificates)
        .extracting(ServedCertificateStatus::getCertificate)
        .containsExactlyInAnyOrder(
            "certificates/a-rsa",
            "certificates/a-ecdsa",
            "certificates/b",
            "certificates/fallback");
    assertThat(certificates)
        .allSatisfy(
            status -> {
              assertThat(status.getExpiring()).isTrue();
              assertThat(status.getDaysLeft()).isEqualTo(9);
            });
  }

  @Test
  void theMetricsCountHandshakesAndShowEveryServedCertificate() throws Exception {
    TlsProbe.handshake(httpsPort, "a.example.test");
    TlsProbe.handshake(httpsPort, "x.b.example.test");
    // Refused at the handshake: TLS 1.1.
    assertThat(TlsProbe.rawHello(httpsPort, TLS_1_1, 0xC02B, 0xC02F).alert())
        .isEqualTo(PROTOCOL_VERSION);

    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .untilAsserted(
            () -> {
              String body = NodeMetricsText.of(fleet.nodes().get(0));
              assertThat(NodeMetricsText.sum(body, "concierge_tls_handshakes_total")).isEqualTo(3);
              assertThat(NodeMetricsText.sum(body, "concierge_tls_handshake_failures_total"))
                  .isEqualTo(1);
              assertThat(
                      NodeMetricsText.sum(
                          body,
                          "concierge_downstream_connections_accepted_total",
                          "listener=\"https\""))
                  .isEqualTo(3);
              assertThat(
                      NodeMetricsText.sum(
                          body,
                          "concierge_certificate_days_left",
                          "certificate=\"certificates/b\""))
                  .isEqualTo(9);
              assertThat(body)
                  .contains(
                      "\nconcierge_certificate_not_after_timestamp_seconds{"
                          + "certificate=\"certificates/fallback\"} ");
            });
  }

  @Test
  void sniPicksExactThenOneLabelWildcardThenTheDefault() throws Exception {
    assertThat(TlsProbe.handshake(httpsPort, "x.b.example.test").leaf()).isEqualTo(b.leaf());
    // A wildcard covers one label: not two, and not the bare parent.
    assertThat(TlsProbe.handshake(httpsPort, "y.x.b.example.test").leaf())
        .isEqualTo(fallback.leaf());
    assertThat(TlsProbe.handshake(httpsPort, "b.example.test").leaf()).isEqualTo(fallback.leaf());
    assertThat(TlsProbe.handshake(httpsPort, null).leaf()).isEqualTo(fallback.leaf());
    assertThat(TlsProbe.handshake(httpsPort, "A.Example.Test").leaf()).isEqualTo(aEcdsa.leaf());
  }

  @Test
  void aClientThatPrefersEcdsaGetsTheEcdsaCertificateAndOthersTheRsaOne() throws Exception {
    TlsProbe.Handshake modern = TlsProbe.handshake(httpsPort, "a.example.test");
    assertThat(modern.leaf()).isEqualTo(aEcdsa.leaf());
    assertThat(modern.protocol()).isEqualTo("TLSv1.3");

    try (SSLSocket rsaOnly =
        TlsProbe.connectTls12(
            httpsPort, "a.example.test", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")) {
      TlsProbe.Handshake handshake = TlsProbe.describe(rsaOnly);
      assertThat(handshake.leaf()).isEqualTo(aRsa.leaf());
      assertThat(handshake.protocol()).isEqualTo("TLSv1.2");
      // No ALPN offered: HTTP/1.1.
      assertThat(TlsProbe.get(rsaOnly, "a.example.test", "/rsa")).isEqualTo("HTTP/1.1 200 OK\nweb");
    }
  }

  @Test
  void alpnNegotiatesH2AndTheRequestReachesTheBackendAsHttps() throws Exception {
    assertThat(TlsProbe.handshake(httpsPort, "a.example.test", "h2", "http/1.1").alpn())
        .isEqualTo("h2");
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_2)
            .sslContext(TlsProbe.trustAll())
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    HttpResponse<String> response =
        client.send(
            HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + httpsPort + "/h2"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("web");
    assertThat(backend.lastRequestHeaders().getFirst("X-Forwarded-Proto")).isEqualTo("https");
  }

  @Test
  void http11OverTlsKeepsTheConnectionAlive() throws Exception {
    try (SSLSocket socket = TlsProbe.connect(httpsPort, "x.b.example.test", "http/1.1")) {
      assertThat(socket.getApplicationProtocol()).isEqualTo("http/1.1");
      for (int i = 0; i < 3; i++) {
        assertThat(TlsProbe.get(socket, "x.b.example.test", "/k" + i))
            .isEqualTo("HTTP/1.1 200 OK\nweb");
      }
    }
    assertThat(backend.lastRequestHeaders().getFirst("X-Forwarded-Proto")).isEqualTo("https");
  }

  @Test
  void tls11AndCbcAndRsaKeyExchangeSuitesAreRefusedAtTheHandshake() throws Exception {
    int ecdheEcdsaGcm = 0xC02B;
    int ecdheRsaGcm = 0xC02F;
    // The raw hello works when it offers what the profile allows...
    assertThat(TlsProbe.rawHello(httpsPort, TLS_1_2, ecdheEcdsaGcm, ecdheRsaGcm).serverHello())
        .isTrue();
    // ...and is refused as TLS 1.1, or with only CBC suites, or only RSA key exchange.
    assertThat(TlsProbe.rawHello(httpsPort, TLS_1_1, ecdheEcdsaGcm, ecdheRsaGcm, 0xC013).alert())
        .isEqualTo(PROTOCOL_VERSION);
    assertThat(TlsProbe.rawHello(httpsPort, TLS_1_2, 0xC013, 0xC027, 0xC009, 0xC023).alert())
        .isEqualTo(HANDSHAKE_FAILURE);
    assertThat(TlsProbe.rawHello(httpsPort, TLS_1_2, 0x009C, 0x009D, 0x002F).alert())
        .isEqualTo(HANDSHAKE_FAILURE);
  }

  @Test
  void withoutADefaultCertificateAnUnknownNameGetsUnrecognizedName() throws Exception {
    fleet
        .api()
        .deleteCertificate(
            DeleteCertificateRequest.newBuilder().setName("certificates/fallback").build());
    fleet.awaitSynced();

    assertThatThrownBy(() -> TlsProbe.handshake(httpsPort, "unknown.example.test"))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("unrecognized_name");
    assertThatThrownBy(() -> TlsProbe.handshake(httpsPort, null))
        .isInstanceOf(SSLHandshakeException.class);
    assertThat(TlsProbe.handshake(httpsPort, "a.example.test").leaf()).isEqualTo(aEcdsa.leaf());
  }
}
