package dev.concierge.controlplane.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.controlplane.TestNodes;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCertificatesTest {
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
  private static final Duration TTL = Duration.ofHours(24);

  @TempDir Path dir;
  @TempDir Path otherDir;

  private static Clock at(Instant t) {
    return Clock.fixed(t, ZoneOffset.UTC);
  }

  private NodeCertificates certificates(Instant now) throws Exception {
    return new NodeCertificates(FleetCa.loadOrCreate(dir, at(now)), TTL, at(now));
  }

  @Test
  void issuesAShortLivedClientCertificateForTheNodeFromItsCsr() throws Exception {
    NodeCertificates certs = certificates(T0);
    KeyPair pair = TestNodes.keyPair();

    X509Certificate cert = certs.issue("edge-1", TestNodes.csr(pair, "whatever").toByteArray());

    assertThat(cert.getPublicKey()).isEqualTo(pair.getPublic());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("O=Concierge nodes,CN=edge-1");
    assertThat(cert.getSubjectAlternativeNames())
        .containsExactly(List.of(6, "urn:concierge:node:edge-1"));
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(T0.plus(TTL));
    cert.verify(FleetCa.loadOrCreate(dir, at(T0)).certificate().getPublicKey());
    assertThat(certs.nodeIdOf(new X509Certificate[] {cert})).isEqualTo("edge-1");
    assertThat(certs.pemChain(cert)).contains("BEGIN CERTIFICATE").doesNotContain("PRIVATE");
  }

  @Test
  void refusesABadNodeIdAndACsrThatIsNotSignedByItsKey() throws Exception {
    NodeCertificates certs = certificates(T0);
    byte[] csr = TestNodes.csr(TestNodes.keyPair(), "n").toByteArray();
    byte[] tampered = csr.clone();
    tampered[tampered.length - 5] ^= 1;

    assertThatThrownBy(() -> certs.issue("bad id", csr)).hasMessageContaining("node_id");
    assertThatThrownBy(() -> certs.issue("n", new byte[] {1, 2, 3}))
        .hasMessageContaining("csr is not a DER PKCS#10 request");
    assertThatThrownBy(() -> certs.issue("n", tampered)).hasMessageContaining("csr");
  }

  @Test
  void refusesExpiredForeignAndNonClientCertificates() throws Exception {
    NodeCertificates certs = certificates(T0);
    X509Certificate cert = certs.issue("n", TestNodes.csr(TestNodes.keyPair(), "n").toByteArray());
    NodeCertificates later =
        new NodeCertificates(
            FleetCa.loadOrCreate(dir, at(T0)), TTL, at(T0.plus(TTL).plusSeconds(1)));
    NodeCertificates otherCa =
        new NodeCertificates(FleetCa.loadOrCreate(otherDir, at(T0)), TTL, at(T0));
    FleetCa ca = FleetCa.loadOrCreate(dir, at(T0));
    X509Certificate server = ca.issueServer(TestNodes.keyPair().getPublic(), Set.of("localhost"));

    assertThatThrownBy(() -> later.nodeIdOf(new X509Certificate[] {cert}))
        .hasMessageContaining("client certificate expired at");
    assertThatThrownBy(() -> otherCa.nodeIdOf(new X509Certificate[] {cert}))
        .hasMessage("client certificate is not signed by the fleet CA");
    assertThatThrownBy(() -> certs.nodeIdOf(new X509Certificate[] {server}))
        .hasMessage("client certificate is not for client authentication");
    assertThatThrownBy(() -> certs.nodeIdOf(new X509Certificate[0]))
        .hasMessage("no client certificate");
  }

  @Test
  void refusesALifetimeTooShortToRenew() throws Exception {
    FleetCa ca = FleetCa.loadOrCreate(dir, at(T0));
    assertThatThrownBy(() -> new NodeCertificates(ca, Duration.ofSeconds(4), at(T0)))
        .hasMessageContaining("at least 5s");
  }
}
