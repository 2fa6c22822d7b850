package dev.concierge.controlplane.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemCertificatesTest {
  private static final KeyPair RSA = TestCertificates.rsa();
  private static final KeyPair EC = TestCertificates.ec();

  @Test
  void parsesRsaChainWithPkcs8Key() throws Exception {
    X509Certificate cert =
        TestCertificates.selfSigned(RSA, "example.com", List.of("example.com", "*.Example.com"));
    ParsedCertificate parsed =
        PemCertificates.parse(TestCertificates.pem(cert), TestCertificates.pkcs8(RSA.getPrivate()));
    assertThat(parsed.dnsNames()).containsExactly("example.com", "*.example.com");
    assertThat(parsed.notBefore()).isEqualTo(cert.getNotBefore().toInstant());
    assertThat(parsed.notAfter()).isEqualTo(cert.getNotAfter().toInstant());
    assertThat(parsed.fingerprintSha256())
        .isEqualTo(
            HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())));
  }

  @Test
  void parsesPkcs1RsaKey() {
    X509Certificate cert = TestCertificates.selfSigned(RSA, "a.test", List.of("a.test"));
    String pkcs1 = TestCertificates.pem(RSA.getPrivate());
    assertThat(pkcs1).contains("BEGIN RSA PRIVATE KEY");
    assertThat(PemCertificates.parse(TestCertificates.pem(cert), pkcs1).dnsNames())
        .containsExactly("a.test");
  }

  @Test
  void parsesSec1EcKeyWithAndWithoutPublicPoint() {
    X509Certificate cert = TestCertificates.selfSigned(EC, "ec.test", List.of("ec.test"));
    for (boolean withPublicPoint : new boolean[] {true, false}) {
      String sec1 = TestCertificates.sec1(EC, withPublicPoint);
      assertThat(sec1).contains("BEGIN EC PRIVATE KEY");
      assertThat(PemCertificates.parse(TestCertificates.pem(cert), sec1).dnsNames())
          .containsExactly("ec.test");
    }
  }

  @Test
  void rejectsSec1KeyWithoutCurveCleanly() {
    // JcaPEMWriter writes a SunEC key as SEC1 without its curve: unusable, so refused, not crashed
    // on.
    assertThatThrownBy(() -> PemCertificates.parsePrivateKey(TestCertificates.pem(EC.getPrivate())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("private_key");
  }

  @Test
  void parsesPkcs8EcKey() {
    X509Certificate cert = TestCertificates.selfSigned(EC, "ec.test", List.of());
    assertThat(
            PemCertificates.parse(
                    TestCertificates.pem(cert), TestCertificates.pkcs8(EC.getPrivate()))
                .dnsNames())
        .containsExactly("ec.test");
  }

  @Test
  void fallsBackToCommonNameWithoutSan() {
    X509Certificate cert = TestCertificates.selfSigned(RSA, "Only.CN.test", List.of());
    assertThat(
            PemCertificates.parse(
                    TestCertificates.pem(cert), TestCertificates.pkcs8(RSA.getPrivate()))
                .dnsNames())
        .containsExactly("only.cn.test");
  }

  @Test
  void parsesChainLeafFirst() {
    Instant now = Instant.now();
    X509Certificate ca =
        TestCertificates.issued(
            "CN=ca.test",
            EC,
            List.of(),
            "CN=ca.test",
            EC,
            now.minusSeconds(3600),
            now.plusSeconds(3600),
            BigInteger.ONE,
            true);
    X509Certificate leaf =
        TestCertificates.issued(
            "CN=leaf.test",
            RSA,
            List.of("leaf.test"),
            "CN=ca.test",
            EC,
            now.minusSeconds(3600),
            now.plusSeconds(3600),
            BigInteger.TWO,
            false);
    String chain = TestCertificates.pem(leaf) + TestCertificates.pem(ca);
    ParsedCertificate parsed =
        PemCertificates.parse(chain, TestCertificates.pkcs8(RSA.getPrivate()));
    assertThat(parsed.chain()).hasSize(2);
    assertThat(parsed.dnsNames()).containsExactly("leaf.test");
    assertThat(parsed.issuer()).isEqualTo("CN=ca.test");
  }

  @Test
  void rejectsKeyOfAnotherCertificate() {
    X509Certificate cert = TestCertificates.selfSigned(RSA, "a.test", List.of());
    KeyPair otherRsa = TestCertificates.rsa();
    assertThatThrownBy(
            () ->
                PemCertificates.parse(
                    TestCertificates.pem(cert), TestCertificates.pkcs8(otherRsa.getPrivate())))
        .hasMessageContaining("does not match");
    assertThatThrownBy(
            () ->
                PemCertificates.parse(
                    TestCertificates.pem(cert), TestCertificates.pkcs8(EC.getPrivate())))
        .hasMessageContaining("does not match");
  }

  @Test
  void rejectsGarbageWithoutEchoingIt() {
    assertThatThrownBy(() -> PemCertificates.parseChain("not pem"))
        .hasMessageContaining("no -----BEGIN CERTIFICATE----- block");
    assertThatThrownBy(
            () ->
                PemCertificates.parsePrivateKey(
                    "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("c2VjcmV0"));
    assertThatThrownBy(() -> PemCertificates.parseChain(TestCertificates.pkcs8(RSA.getPrivate())))
        .hasMessageContaining("not a CERTIFICATE");
  }
}
