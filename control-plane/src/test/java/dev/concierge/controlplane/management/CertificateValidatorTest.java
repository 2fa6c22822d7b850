package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.BadRequest;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ClientAuthentication;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.crypto.PemCertificates;
import dev.concierge.controlplane.crypto.TestCertificates;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every way a certificate input is refused when written, each naming its field. */
class CertificateValidatorTest {
  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  static final Instant FROM = NOW.minus(Duration.ofDays(30));
  static final Instant TO = NOW.plus(Duration.ofDays(60));
  static final String PASSPHRASE = "correct horse battery staple";

  static final KeyPair ROOT_KEYS = TestCertificates.ec();
  static final KeyPair INTER_KEYS = TestCertificates.ec();
  static final KeyPair LEAF_KEYS = TestCertificates.ec();
  static final X509Certificate ROOT =
      TestCertificates.issued(
          "CN=Test Root", ROOT_KEYS, List.of(), "CN=Test Root", ROOT_KEYS, FROM, TO, big(1), true);
  static final X509Certificate INTER =
      TestCertificates.issued(
          "O=Concierge Test,CN=Test Intermediate",
          INTER_KEYS,
          List.of(),
          "CN=Test Root",
          ROOT_KEYS,
          FROM,
          TO,
          big(2),
          true);
  static final X509Certificate LEAF = leaf(LEAF_KEYS, FROM, TO);

  private static BigInteger big(long n) {
    return BigInteger.valueOf(n);
  }

  static X509Certificate leaf(KeyPair keys, Instant from, Instant to) {
    return TestCertificates.issued(
        "CN=www.example.test",
        keys,
        List.of("www.example.test", "api.example.test"),
        "O=Concierge Test,CN=Test Intermediate",
        INTER_KEYS,
        from,
        to,
        new BigInteger("0abcdef0123", 16),
        false);
  }

  static String chain(X509Certificate... certs) {
    StringBuilder pem = new StringBuilder();
    for (X509Certificate c : certs) {
      pem.append(TestCertificates.pem(c));
    }
    return pem.toString();
  }

  static String goodChain() {
    return chain(LEAF, INTER, ROOT);
  }

  static String leafKey() {
    return TestCertificates.pkcs8(LEAF_KEYS.getPrivate());
  }

  private static List<BadRequest.FieldViolation> violations(Certificate certificate) {
    FieldViolations violations = new FieldViolations();
    Optional<ParsedCertificate> parsed =
        CertificateValidator.validateKeyPair(certificate, "certificate", NOW, violations);
    assertThat(parsed.isPresent()).isEqualTo(violations.isEmpty());
    for (BadRequest.FieldViolation v : violations.list()) {
      // Never key material, never the passphrase.
      assertThat(v.getDescription())
          .doesNotContain(PASSPHRASE)
          .doesNotContain("PRIVATE KEY")
          .doesNotContain(certificate.getPrivateKey().lines().skip(1).findFirst().orElse("-"));
    }
    return violations.list();
  }

  private static Certificate of(String chain, String key) {
    return Certificate.newBuilder().setCertificateChain(chain).setPrivateKey(key).build();
  }

  private static void assertOne(Certificate c, String field, String... fragments) {
    List<BadRequest.FieldViolation> v = violations(c);
    assertThat(v).hasSize(1);
    assertThat(v.get(0).getField()).isEqualTo(field);
    assertThat(v.get(0).getDescription()).contains(fragments);
  }

  @Test
  void acceptsAnOrderedChainWithItsKeyAndDescribesTheLeaf() {
    assertThat(violations(of(goodChain(), leafKey()))).isEmpty();
    ParsedCertificate parsed = PemCertificates.parse(goodChain(), leafKey());
    assertThat(parsed.issuer()).isEqualTo("CN=Test Intermediate,O=Concierge Test");
    assertThat(parsed.keyType()).isEqualTo("EC P-256");
    assertThat(parsed.serialNumber()).isEqualTo("abcdef0123");
    assertThat(parsed.dnsNames()).containsExactly("www.example.test", "api.example.test");
  }

  @Test
  void rejectsWhatIsNotPem() {
    assertOne(of("hello", leafKey()), "certificate.certificate_chain", "not PEM");
    assertOne(
        of("-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n", leafKey()),
        "certificate.certificate_chain",
        "not PEM",
        "certificate 1");
    assertOne(of(goodChain(), "hello"), "certificate.private_key", "PEM private key");
  }

  @Test
  void rejectsAChainOutOfOrderNamingThePosition() {
    assertOne(
        of(chain(LEAF, ROOT, INTER), leafKey()),
        "certificate.certificate_chain",
        "out of order",
        "certificate 1 (CN=www.example.test) is issued by certificate 3, not by certificate 2");
  }

  @Test
  void rejectsABrokenChainNamingThePosition() {
    KeyPair otherKeys = TestCertificates.ec();
    X509Certificate otherRoot =
        TestCertificates.issued(
            "CN=Other Root",
            otherKeys,
            List.of(),
            "CN=Other Root",
            otherKeys,
            FROM,
            TO,
            big(9),
            true);
    assertOne(
        of(chain(LEAF, INTER, otherRoot), leafKey()),
        "certificate.certificate_chain",
        "broken at certificate 3",
        "is issued by CN=Test Root");
    // Same names, wrong signer: an intermediate of the same name with another key.
    X509Certificate impostor =
        TestCertificates.issued(
            "O=Concierge Test,CN=Test Intermediate",
            otherKeys,
            List.of(),
            "CN=Test Root",
            ROOT_KEYS,
            FROM,
            TO,
            big(3),
            true);
    assertOne(
        of(chain(LEAF, impostor, ROOT), leafKey()),
        "certificate.certificate_chain",
        "broken at certificate 2",
        "did not sign certificate 1");
  }

  @Test
  void rejectsExpiredAndNotYetValidCertificatesByTheInjectedClock() {
    X509Certificate expired = leaf(LEAF_KEYS, FROM, NOW.minusSeconds(1));
    assertOne(
        of(chain(expired, INTER), leafKey()),
        "certificate.certificate_chain",
        "certificate 1 (the leaf, CN=www.example.test) has expired",
        NOW.minusSeconds(1).toString());
    X509Certificate early = leaf(LEAF_KEYS, NOW.plusSeconds(60), TO);
    assertOne(
        of(chain(early, INTER), leafKey()),
        "certificate.certificate_chain",
        "is not yet valid",
        NOW.plusSeconds(60).toString());
    X509Certificate expiredInter =
        TestCertificates.issued(
            "O=Concierge Test,CN=Test Intermediate",
            INTER_KEYS,
            List.of(),
            "CN=Test Root",
            ROOT_KEYS,
            FROM,
            NOW.minusSeconds(5),
            big(4),
            true);
    assertOne(
        of(chain(LEAF, expiredInter), leafKey()),
        "certificate.certificate_chain",
        "certificate 2 (CN=Test Intermediate,O=Concierge Test) has expired");
    // The same chain is valid one second before it expired: the clock decides, not wall time.
    FieldViolations earlier = new FieldViolations();
    CertificateValidator.validateKeyPair(
        of(chain(expired, INTER), leafKey()), "certificate", NOW.minusSeconds(2), earlier);
    assertThat(earlier.list()).isEmpty();
  }

  @Test
  void rejectsAKeyThatDoesNotMatchTheLeaf() {
    assertOne(
        of(goodChain(), TestCertificates.pkcs8(TestCertificates.ec().getPrivate())),
        "certificate.private_key",
        "does not match the public key of the leaf");
  }

  @Test
  void decryptsAnEncryptedPkcs8KeyWithItsPassphrase() {
    String encrypted = TestCertificates.encryptedPkcs8(LEAF_KEYS.getPrivate(), PASSPHRASE);
    assertThat(encrypted).contains("BEGIN ENCRYPTED PRIVATE KEY");
    Certificate c =
        of(goodChain(), encrypted).toBuilder().setPrivateKeyPassphrase(PASSPHRASE).build();
    assertThat(violations(c)).isEmpty();
    String stored = PemCertificates.storableKey(encrypted, PASSPHRASE);
    assertThat(stored).contains("BEGIN PRIVATE KEY").doesNotContain("ENCRYPTED");
    assertThat(PemCertificates.parse(goodChain(), stored).fingerprintSha256())
        .isEqualTo(PemCertificates.parse(goodChain(), leafKey()).fingerprintSha256());
  }

  @Test
  void aWrongPassphraseIsItsOwnErrorOnThePassphrase() {
    String encrypted = TestCertificates.encryptedPkcs8(LEAF_KEYS.getPrivate(), PASSPHRASE);
    assertOne(
        of(goodChain(), encrypted).toBuilder()
            .setPrivateKeyPassphrase("wrong " + PASSPHRASE)
            .build(),
        "certificate.private_key_passphrase",
        "private_key_passphrase is wrong");
  }

  @Test
  void anEncryptedKeyWithoutPassphraseSaysOneIsNeeded() {
    String encrypted = TestCertificates.encryptedPkcs8(LEAF_KEYS.getPrivate(), PASSPHRASE);
    assertOne(
        of(goodChain(), encrypted),
        "certificate.private_key_passphrase",
        "private_key is encrypted: a passphrase is needed");
  }

  @Test
  void aPassphraseForAPlainKeyIsRefused() {
    assertOne(
        of(goodChain(), leafKey()).toBuilder().setPrivateKeyPassphrase(PASSPHRASE).build(),
        "certificate.private_key_passphrase",
        "not encrypted");
  }

  @Test
  void rejectsALeafWithoutUsableName() {
    X509Certificate nameless =
        TestCertificates.issued(
            "O=Nameless Inc",
            LEAF_KEYS,
            List.of(),
            "O=Concierge Test,CN=Test Intermediate",
            INTER_KEYS,
            FROM,
            TO,
            big(5),
            false);
    assertOne(
        of(chain(nameless, INTER), leafKey()),
        "certificate.certificate_chain",
        "no usable name: no DNS subjectAltName and no common name (CN)");
  }

  @Test
  void reportsTheKeyTypeOfTheLeaf() {
    KeyPair rsa = TestCertificates.rsa();
    KeyPair p384 = TestCertificates.ec("secp384r1");
    KeyPair ed = TestCertificates.ed25519();
    for (var expected :
        List.of(
            new Object[] {rsa, "RSA 2048"},
            new Object[] {p384, "EC P-384"},
            new Object[] {ed, "Ed25519"})) {
      KeyPair keys = (KeyPair) expected[0];
      X509Certificate self =
          TestCertificates.issued(
              "CN=k.test", keys, List.of(), "CN=k.test", keys, FROM, TO, big(7), false);
      ParsedCertificate parsed =
          PemCertificates.parse(chain(self), TestCertificates.pkcs8(keys.getPrivate()));
      assertThat(parsed.keyType()).isEqualTo(expected[1]);
      assertThat(parsed.serialNumber()).isEqualTo("7");
    }
  }

  @Test
  void aSecondDefaultNamesTheCurrentOne() {
    FieldViolations violations = new FieldViolations();
    CertificateValidator.validateDefault(
        Certificate.newBuilder().setDefaultCertificate(true).build(),
        "certificate",
        Optional.of("certificates/main"),
        violations);
    assertThat(violations.list()).hasSize(1);
    assertThat(violations.list().get(0).getField()).isEqualTo("certificate.default_certificate");
    assertThat(violations.list().get(0).getDescription())
        .contains("certificates/main is already the default certificate", "--no-default");
    FieldViolations none = new FieldViolations();
    CertificateValidator.validateDefault(
        Certificate.newBuilder().setDefaultCertificate(false).build(),
        "certificate",
        Optional.of("certificates/main"),
        none);
    assertThat(none.isEmpty()).isTrue();
  }

  private static List<BadRequest.FieldViolation> clientAuthViolations(
      ClientAuthentication.Mode mode, String bundle) {
    FieldViolations violations = new FieldViolations();
    CertificateValidator.validateClientAuthentication(
        Certificate.newBuilder()
            .setClientAuthentication(
                ClientAuthentication.newBuilder().setMode(mode).setCaBundle(bundle))
            .build(),
        "certificate",
        violations);
    return violations.list();
  }

  @Test
  void clientAuthenticationNeedsAModeAndABundleOfCaCertificates() {
    assertThat(clientAuthViolations(ClientAuthentication.Mode.REQUIRED, chain(INTER, ROOT)))
        .isEmpty();

    List<BadRequest.FieldViolation> leaf =
        clientAuthViolations(ClientAuthentication.Mode.OPTIONAL, chain(ROOT, LEAF));
    assertThat(leaf).hasSize(1);
    assertThat(leaf.get(0).getField()).isEqualTo("certificate.client_authentication.ca_bundle");
    assertThat(leaf.get(0).getDescription())
        .contains("certificate 2", "CN=www.example.test", "not a CA certificate");

    List<BadRequest.FieldViolation> notPem =
        clientAuthViolations(ClientAuthentication.Mode.REQUIRED, "-----BEGIN CERTIFICATE-----\nx");
    assertThat(notPem).hasSize(1);
    assertThat(notPem.get(0).getField()).isEqualTo("certificate.client_authentication.ca_bundle");
    assertThat(notPem.get(0).getDescription()).startsWith("ca_bundle is not PEM");

    List<BadRequest.FieldViolation> noMode =
        clientAuthViolations(ClientAuthentication.Mode.MODE_UNSPECIFIED, "");
    assertThat(noMode)
        .extracting(BadRequest.FieldViolation::getField)
        .containsExactly(
            "certificate.client_authentication.mode",
            "certificate.client_authentication.ca_bundle");
  }
}
