package dev.concierge.dataplane.config;

import com.google.protobuf.Timestamp;
import dev.concierge.api.v1.NodeCertificate;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/** An in-memory CA that signs node CSRs as the control plane's fleet CA does, for fakes. */
final class TestCa {
  private final KeyPair key;
  private final X509Certificate certificate;
  private final AtomicLong serial = new AtomicLong(2);
  private volatile Duration ttl = Duration.ofHours(24);

  TestCa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      key = g.generateKeyPair();
      X500Name name = new X500Name("CN=fake fleet CA");
      Instant now = Instant.now();
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  name,
                  BigInteger.ONE,
                  Date.from(now.minusSeconds(3600)),
                  Date.from(now.plus(Duration.ofDays(1))),
                  name,
                  key.getPublic())
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      certificate = sign(b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** How long the next certificates are valid. */
  void ttl(Duration ttl) {
    this.ttl = ttl;
  }

  byte[] pem() {
    return pem(certificate).getBytes(StandardCharsets.US_ASCII);
  }

  NodeCertificate issue(String nodeId, byte[] csrDer) {
    try {
      JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(csrDer);
      Instant now = Instant.now();
      Instant notAfter = now.plus(ttl);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
                  certificate,
                  BigInteger.valueOf(serial.getAndIncrement()),
                  Date.from(now.minusSeconds(60)),
                  Date.from(notAfter),
                  new X500Name("CN=" + nodeId),
                  csr.getPublicKey())
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth))
              .addExtension(
                  Extension.subjectAlternativeName,
                  false,
                  new GeneralNames(
                      new GeneralName(
                          GeneralName.uniformResourceIdentifier, "urn:concierge:node:" + nodeId)));
      X509Certificate cert = sign(b);
      return NodeCertificate.newBuilder()
          .setCertificateChain(pem(cert) + pem(certificate))
          .setNotAfter(Timestamp.newBuilder().setSeconds(notAfter.getEpochSecond()))
          .build();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private X509Certificate sign(X509v3CertificateBuilder b) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
  }

  private static String pem(Object o) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
