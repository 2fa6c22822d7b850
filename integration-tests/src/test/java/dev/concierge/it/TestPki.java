package dev.concierge.it;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** A test CA that issues server certificates (RSA or ECDSA) with DNS and IP names, as PEM. */
final class TestPki {
  private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime());

  private final KeyPair caKeys = ec();
  private final X509Certificate ca;

  TestPki(String name) {
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            subject,
            nextSerial(),
            Date.from(Instant.now().minus(Duration.ofHours(1))),
            Date.from(Instant.now().plus(Duration.ofDays(30))),
            subject,
            caKeys.getPublic());
    extend(builder, Extension.basicConstraints, true, new BasicConstraints(0));
    ca = sign(builder);
  }

  /** The CA certificate. */
  X509Certificate ca() {
    return ca;
  }

  /** A certificate and key, PEM, with the names as DNS SANs ("127.0.0.1" style names as IPs). */
  Issued issue(String commonName, boolean ecdsa, String... names) {
    KeyPair keys = ecdsa ? ec() : rsa();
    List<GeneralName> sans = new ArrayList<>();
    for (String name : names) {
      sans.add(
          new GeneralName(
              Character.isDigit(name.charAt(0)) ? GeneralName.iPAddress : GeneralName.dNSName,
              name));
    }
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
            nextSerial(),
            Date.from(Instant.now().minus(Duration.ofHours(1))),
            Date.from(Instant.now().plus(Duration.ofDays(10))),
            new X500Name("CN=" + commonName),
            keys.getPublic());
    if (!sans.isEmpty()) {
      extend(
          builder,
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(sans.toArray(GeneralName[]::new)));
    }
    X509Certificate leaf = sign(builder);
    return new Issued(
        leaf,
        pem(leaf) + pem(ca),
        pem(new PemObject("PRIVATE KEY", keys.getPrivate().getEncoded())));
  }

  /** An issued certificate: the leaf, its chain PEM (leaf, CA) and its PKCS#8 key PEM. */
  record Issued(X509Certificate leaf, String chainPem, String keyPem) {}

  private static void extend(
      X509v3CertificateBuilder builder,
      org.bouncycastle.asn1.ASN1ObjectIdentifier oid,
      boolean critical,
      org.bouncycastle.asn1.ASN1Encodable value) {
    try {
      builder.addExtension(oid, critical, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private X509Certificate sign(X509v3CertificateBuilder builder) {
    try {
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(
                  new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigInteger nextSerial() {
    return BigInteger.valueOf(SERIALS.incrementAndGet());
  }

  static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair ec() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
