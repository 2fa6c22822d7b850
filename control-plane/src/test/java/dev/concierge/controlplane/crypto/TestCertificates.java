package dev.concierge.controlplane.crypto;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/** Self-signed certificates and PEM keys made on the fly for tests. */
public final class TestCertificates {
  private TestCertificates() {}

  public static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair ec() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A self-signed certificate for the key pair, valid for a day, with the DNS names as SANs (none:
   * CN only).
   */
  public static X509Certificate selfSigned(KeyPair keys, String commonName, List<String> dnsNames) {
    try {
      Instant now = Instant.now();
      X500Name subject = new X500Name("CN=" + commonName);
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              subject,
              BigInteger.valueOf(now.toEpochMilli()),
              Date.from(now.minus(Duration.ofHours(1))),
              Date.from(now.plus(Duration.ofDays(1))),
              subject,
              keys.getPublic());
      if (!dnsNames.isEmpty()) {
        GeneralName[] names =
            dnsNames.stream()
                .map(n -> new GeneralName(GeneralName.dNSName, n))
                .toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      String algorithm =
          keys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(algorithm).build(keys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** PEM of a certificate, or of a key the way BouncyCastle writes it (PKCS#1 RSA, SEC1 EC). */
  public static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** PEM "PRIVATE KEY" (PKCS#8). */
  public static String pkcs8(PrivateKey key) {
    return pem(new PemObject("PRIVATE KEY", key.getEncoded()));
  }

  /**
   * PEM "EC PRIVATE KEY" (SEC1) with the curve named, as openssl writes it; with or without the
   * public point. (JcaPEMWriter drops the curve of a SunEC key, which no parser can then use.)
   */
  public static String sec1(KeyPair keys, boolean withPublicPoint) {
    try {
      PrivateKeyInfo info = PrivateKeyInfo.getInstance(keys.getPrivate().getEncoded());
      ASN1Primitive params = info.getPrivateKeyAlgorithm().getParameters().toASN1Primitive();
      ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
      ECPrivateKey sec1 =
          withPublicPoint
              ? new ECPrivateKey(
                  256,
                  inner.getKey(),
                  SubjectPublicKeyInfo.getInstance(keys.getPublic().getEncoded())
                      .getPublicKeyData(),
                  params)
              : new ECPrivateKey(256, inner.getKey(), params);
      return pem(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static KeyPair ec(String curve) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec(curve));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public static KeyPair ed25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A certificate for {@code subject} ("CN=…") and its public key, issued by {@code issuer} and
   * signed with the issuer's private key; CA when {@code ca}, with the DNS names as SANs.
   */
  public static X509Certificate issued(
      String subject,
      KeyPair subjectKeys,
      List<String> dnsNames,
      String issuer,
      KeyPair issuerKeys,
      Instant notBefore,
      Instant notAfter,
      BigInteger serial,
      boolean ca) {
    try {
      X509v3CertificateBuilder builder =
          new JcaX509v3CertificateBuilder(
              new X500Name(issuer),
              serial,
              Date.from(notBefore),
              Date.from(notAfter),
              new X500Name(subject),
              subjectKeys.getPublic());
      if (!dnsNames.isEmpty()) {
        GeneralName[] names =
            dnsNames.stream()
                .map(n -> new GeneralName(GeneralName.dNSName, n))
                .toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      if (ca) {
        builder.addExtension(
            Extension.basicConstraints,
            true,
            new org.bouncycastle.asn1.x509.BasicConstraints(true));
      }
      String algorithm =
          switch (issuerKeys.getPrivate().getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519";
          };
      return new JcaX509CertificateConverter()
          .getCertificate(
              builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** PEM "ENCRYPTED PRIVATE KEY": PKCS#8 encrypted with AES-256-CBC under the passphrase. */
  public static String encryptedPkcs8(PrivateKey key, String passphrase) {
    try {
      org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder encryptor =
          new org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder(
              org.bouncycastle.openssl.PKCS8Generator.AES_256_CBC);
      encryptor.setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
      encryptor.setPassword(passphrase.toCharArray());
      return pem(
          new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, encryptor.build()).generate());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A matching chain and PKCS#8 key for the DNS names. */
  public static String[] chainAndKey(String... dnsNames) {
    KeyPair keys = rsa();
    return new String[] {
      pem(selfSigned(keys, dnsNames[0], List.of(dnsNames))), pkcs8(keys.getPrivate())
    };
  }
}
