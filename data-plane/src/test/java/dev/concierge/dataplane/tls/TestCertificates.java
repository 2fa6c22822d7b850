package dev.concierge.dataplane.tls;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates made on the fly for tests. */
public final class TestCertificates {
  private TestCertificates() {}

  /** A self-signed EC certificate's PEM and its PKCS#8 key's PEM. */
  public record Pem(String chain, String key) {}

  /** A self-signed EC certificate for {@code dnsName} (as CN), as PEM. */
  public static Pem pem(String dnsName) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = generator.generateKeyPair();
      X509Certificate certificate = selfSigned(dnsName, keys);
      java.util.Base64.Encoder base64 = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'});
      return new Pem(
          "-----BEGIN CERTIFICATE-----\n"
              + base64.encodeToString(certificate.getEncoded())
              + "\n-----END CERTIFICATE-----\n",
          "-----BEGIN PRIVATE KEY-----\n"
              + base64.encodeToString(keys.getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A self-signed EC certificate with {@code commonName}, valid for a day. */
  static X509Certificate selfSigned(String commonName) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return selfSigned(commonName, generator.generateKeyPair());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate selfSigned(String commonName, KeyPair keys) {
    try {
      X500Name name = new X500Name("CN=" + commonName);
      Instant now = Instant.now();
      return new JcaX509CertificateConverter()
          .getCertificate(
              new JcaX509v3CertificateBuilder(
                      name,
                      BigInteger.ONE,
                      Date.from(now.minus(Duration.ofHours(1))),
                      Date.from(now.plus(Duration.ofDays(1))),
                      name,
                      keys.getPublic())
                  .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
