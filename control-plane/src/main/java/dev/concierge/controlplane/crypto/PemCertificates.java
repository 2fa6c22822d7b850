package dev.concierge.controlplane.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * Parses PEM certificate chains and private keys (PKCS#8, PKCS#1 RSA, SEC1 EC) and checks that the
 * key belongs to the leaf. Failures are {@link IllegalArgumentException}s whose message suits a
 * field violation; no message ever contains key material.
 */
public final class PemCertificates {
  // A private provider instance: SEC1 EC keys without the public point convert only with BC.
  private static final Provider BC = new BouncyCastleProvider();
  private static final int DNS_SAN = 2;

  private PemCertificates() {}

  /** The certificates of a PEM chain, leaf first. */
  public static List<X509Certificate> parseChain(String pem) {
    List<X509Certificate> chain = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter().setProvider(BC);
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object item;
      while ((item = parser.readObject()) != null) {
        if (!(item instanceof X509CertificateHolder holder)) {
          throw new IllegalArgumentException(
              "certificate_chain holds a PEM block that is not a CERTIFICATE");
        }
        chain.add(converter.getCertificate(holder));
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("certificate_chain is not valid PEM: " + e.getMessage());
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate_chain holds no PEM certificate");
    }
    return chain;
  }

  /**
   * The private key of a PEM block: PKCS#8 "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY".
   */
  public static PrivateKey parsePrivateKey(String pem) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(BC);
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object item = parser.readObject();
      if (item instanceof PEMKeyPair pair) {
        return converter.getPrivateKey(pair.getPrivateKeyInfo());
      }
      if (item instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      // Never echo the content: it may be key material in a format we do not take.
      throw new IllegalArgumentException(
          "private_key must be one unencrypted PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC)");
    } catch (IOException | RuntimeException e) {
      if (e instanceof IllegalArgumentException iae) {
        throw iae;
      }
      throw new IllegalArgumentException("private_key is not a valid PEM private key");
    }
  }

  /** Parses both and checks that the key signs what the leaf's public key verifies. */
  public static ParsedCertificate parse(String chainPem, String keyPem) {
    List<X509Certificate> chain = parseChain(chainPem);
    PrivateKey key = parsePrivateKey(keyPem);
    X509Certificate leaf = chain.get(0);
    if (!keyMatches(key, leaf.getPublicKey())) {
      throw new IllegalArgumentException(
          "private_key does not match the public key of the leaf certificate");
    }
    return describe(chain);
  }

  /** What the API shows of a chain: the leaf's DNS names, validity and fingerprint. */
  public static ParsedCertificate describe(List<X509Certificate> chain) {
    X509Certificate leaf = chain.get(0);
    try {
      return new ParsedCertificate(
          chain,
          dnsNames(leaf),
          leaf.getNotBefore().toInstant(),
          leaf.getNotAfter().toInstant(),
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "certificate_chain leaf cannot be encoded: " + e.getMessage());
    }
  }

  static boolean keyMatches(PrivateKey key, PublicKey publicKey) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC", "ECDSA" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          case "Ed448" -> "Ed448";
          default -> null;
        };
    if (algorithm == null) {
      return false;
    }
    byte[] probe = "concierge key check".getBytes(StandardCharsets.UTF_8);
    try {
      Signature signer = Signature.getInstance(algorithm, BC);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm, BC);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static List<String> dnsNames(X509Certificate leaf) {
    List<String> names = new ArrayList<>();
    try {
      if (leaf.getSubjectAlternativeNames() != null) {
        for (List<?> san : leaf.getSubjectAlternativeNames()) {
          if (san.size() >= 2 && san.get(0) instanceof Integer type && type == DNS_SAN) {
            names.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
          }
        }
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("certificate_chain leaf has a malformed subjectAltName");
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(String.valueOf(rdn.getValue()).toLowerCase(Locale.ROOT));
          }
        }
      } catch (InvalidNameException e) {
        throw new IllegalArgumentException("certificate_chain leaf has a malformed subject");
      }
    }
    return names;
  }

  /**
   * {@code keyPem} (any form {@link #parsePrivateKey} takes) as a PKCS#8 "PRIVATE KEY" PEM block:
   * the one form nodes read, with the JDK alone.
   */
  public static String toPkcs8Pem(String keyPem) {
    byte[] der = parsePrivateKey(keyPem).getEncoded();
    return "-----BEGIN PRIVATE KEY-----\n"
        + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END PRIVATE KEY-----\n";
  }
}
