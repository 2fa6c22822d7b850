package dev.concierge.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateIndexTest {
  private static final PrivateKey KEY = key();
  private static final X509Certificate LEAF = TestCertificates.selfSigned("leaf.test");
  private static final Instant LATER = Instant.parse("2030-01-01T00:00:00Z");

  private static PrivateKey key() {
    try {
      return KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ServedCertificate cert(
      String id, String keyType, boolean isDefault, Instant notAfter, String... names) {
    return new ServedCertificate(
        "certificates/" + id + "#fp",
        "certificates/" + id,
        List.of(LEAF),
        KEY,
        keyType,
        List.of(names),
        notAfter,
        isDefault);
  }

  private final ServedCertificate exact = cert("exact", "EC", false, LATER, "a.example.com");
  private final ServedCertificate exactRsa =
      cert("exact-rsa", "RSA", false, LATER, "a.example.com");
  private final ServedCertificate wild = cert("wild", "RSA", false, LATER, "*.example.com");
  private final ServedCertificate fallback = cert("fallback", "EC", true, LATER, "default.test");

  @Test
  void exactNameWinsOverWildcardAndKeyTypeSelectsAmongThem() {
    CertificateIndex index = CertificateIndex.of(List.of(wild, exactRsa, exact, fallback));

    assertThat(index.select("a.example.com", "EC")).isSameAs(exact);
    assertThat(index.select("A.EXAMPLE.COM", "RSA")).isSameAs(exactRsa);
    // The name is covered, just not with this key type: the JDK asks for its next type.
    assertThat(index.select("a.example.com", "EdDSA")).isNull();
  }

  @Test
  void wildcardCoversExactlyOneLabel() {
    CertificateIndex index = CertificateIndex.of(List.of(wild));

    assertThat(index.select("b.example.com", "RSA")).isSameAs(wild);
    assertThat(index.select("x.b.example.com", "RSA")).isNull();
    assertThat(index.select("example.com", "RSA")).isNull();
    assertThat(index.accepts("x.b.example.com")).isFalse();
    assertThat(index.accepts("b.example.com")).isTrue();
  }

  @Test
  void noSniOrAnUnknownNameGetsTheDefaultOfItsKeyType() {
    CertificateIndex index = CertificateIndex.of(List.of(wild, fallback));

    assertThat(index.select(null, "EC")).isSameAs(fallback);
    assertThat(index.select("other.test", "EC")).isSameAs(fallback);
    assertThat(index.select("other.test", "RSA")).isNull();
    assertThat(index.accepts("anything.test")).isTrue();
  }

  @Test
  void withoutADefaultNothingAnswersAnUnknownName() {
    CertificateIndex index = CertificateIndex.of(List.of(wild, exact));

    assertThat(index.select(null, "EC")).isNull();
    assertThat(index.accepts("other.test")).isFalse();
  }

  @Test
  void ofTwoCertificatesForOneNameTheOneValidLongerComesFirst() {
    ServedCertificate older = cert("older", "EC", false, LATER.minusSeconds(60), "a.example.com");
    CertificateIndex index = CertificateIndex.of(List.of(older, exact));

    assertThat(index.select("a.example.com", "EC")).isSameAs(exact);
    assertThat(index.byAlias(older.alias())).isSameAs(older);
  }
}
