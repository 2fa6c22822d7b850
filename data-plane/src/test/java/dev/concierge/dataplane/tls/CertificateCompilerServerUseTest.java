package dev.concierge.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Certificate;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/** Which certificate resources the HTTPS listener serves: never one made only for clients. */
class CertificateCompilerServerUseTest {
  private static Certificate certificate(String id, KeyPurposeId... usages) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    X500Name name = new X500Name("CN=" + id + ".example.test");
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            BigInteger.TWO,
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(1))),
            name,
            keys.getPublic());
    if (usages.length > 0) {
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(usages));
    }
    X509Certificate leaf =
        new JcaX509CertificateConverter()
            .getCertificate(
                builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    Base64.Encoder base64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
    return Certificate.newBuilder()
        .setName("certificates/" + id)
        .setCertificateChain(
            "-----BEGIN CERTIFICATE-----\n"
                + base64.encodeToString(leaf.getEncoded())
                + "\n-----END CERTIFICATE-----\n")
        .setPrivateKey(
            "-----BEGIN PRIVATE KEY-----\n"
                + base64.encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n")
        .build();
  }

  @Test
  void servesCertificatesForServersAndLeavesClientOnlyOnesOut() throws Exception {
    List<String> problems = new ArrayList<>();

    CertificateIndex index =
        CertificateCompiler.compile(
            List.of(
                certificate("plain"),
                certificate("server", KeyPurposeId.id_kp_serverAuth),
                certificate("both", KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth),
                certificate("any", KeyPurposeId.anyExtendedKeyUsage),
                certificate("client", KeyPurposeId.id_kp_clientAuth)),
            (path, problem) -> problems.add(path + ": " + problem));

    assertThat(problems).isEmpty();
    assertThat(index.all())
        .extracting(ServedCertificate::name)
        .containsExactlyInAnyOrder(
            "certificates/plain", "certificates/server", "certificates/both", "certificates/any");
    assertThat(index.accepts("client.example.test")).isFalse();
  }
}
