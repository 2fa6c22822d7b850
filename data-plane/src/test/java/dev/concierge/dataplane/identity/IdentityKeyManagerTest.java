package dev.concierge.dataplane.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class IdentityKeyManagerTest {
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  private static NodeIdentity identity(String nodeId, Instant notAfter) throws Exception {
    KeyPair pair = NodeIdentity.newKeyPair();
    X509Certificate cert =
        new JcaX509CertificateConverter()
            .getCertificate(
                new JcaX509v3CertificateBuilder(
                        new X500Name("CN=" + nodeId),
                        BigInteger.TEN,
                        Date.from(T0.minusSeconds(60)),
                        Date.from(notAfter),
                        new X500Name("CN=" + nodeId),
                        pair.getPublic())
                    .addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(
                            new GeneralName(
                                GeneralName.uniformResourceIdentifier,
                                "urn:concierge:node:" + nodeId)))
                    .build(
                        new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
    return new NodeIdentity(nodeId, pair.getPrivate(), List.of(cert));
  }

  @Test
  void presentsNothingBeforeTheJoinAndNothingOnceExpired() throws Exception {
    AtomicReference<Instant> now = new AtomicReference<>(T0);
    IdentityKeyManager keys = new IdentityKeyManager(now::get);
    assertThat(keys.chooseEngineClientAlias(new String[] {"EC"}, null, null)).isNull();

    NodeIdentity id = identity("n1", T0.plus(Duration.ofHours(24)));
    keys.set(id);
    String alias = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);
    assertThat(alias).isNotNull();
    assertThat(keys.getCertificateChain(alias)).containsExactly(id.chain().get(0));
    assertThat(keys.getPrivateKey(alias)).isEqualTo(id.key());

    now.set(T0.plus(Duration.ofHours(24)));
    assertThat(keys.chooseEngineClientAlias(new String[] {"EC"}, null, null)).isNull();
  }

  @Test
  void aRenewalBetweenAliasAndKeyNeverPairsOneChainWithAnothersKey() throws Exception {
    IdentityKeyManager keys = new IdentityKeyManager(() -> T0);
    NodeIdentity first = identity("n1", T0.plus(Duration.ofHours(24)));
    NodeIdentity second = identity("n1", T0.plus(Duration.ofDays(2)));
    keys.set(first);
    String alias = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);

    keys.set(second);

    assertThat(keys.getCertificateChain(alias)).containsExactly(first.chain().get(0));
    assertThat(keys.getPrivateKey(alias)).isEqualTo(first.key());
    String next = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);
    assertThat(keys.getPrivateKey(next)).isEqualTo(second.key());
  }

  @Test
  void renewsAtTwoThirdsOfTheTimeLeftButNeverSoonerThanASecond() {
    assertThat(Enrollment.renewalDelay(T0, T0.plus(Duration.ofHours(24))))
        .isEqualTo(Duration.ofHours(16));
    assertThat(Enrollment.renewalDelay(T0, T0.plusSeconds(30))).isEqualTo(Duration.ofSeconds(20));
    assertThat(Enrollment.renewalDelay(T0, T0.plusMillis(900))).isEqualTo(Duration.ofSeconds(1));
    assertThat(Enrollment.renewalDelay(T0, T0.minusSeconds(5))).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void recognisesACertificateOfItsOwnNodeIdOnly() throws Exception {
    NodeIdentity id = identity("n1", T0.plus(Duration.ofHours(1)));
    assertThat(id.certifiesItsNodeId()).isTrue();
    assertThat(new NodeIdentity("n2", id.key(), id.chain()).certifiesItsNodeId()).isFalse();
    assertThat(id.toString()).doesNotContain("PRIVATE").contains("n1");
  }
}
