package dev.concierge.controlplane.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * Parses and checks PEM certificate chains and private keys (PKCS#8, PKCS#1 RSA, SEC1 EC, and
 * encrypted PKCS#8 or OpenSSL-encrypted PEM with a passphrase): the chain must be in order, each
 * certificate signed by the next one, and the key must belong to the leaf. Failures are {@link
 * CertificateProblem}s naming the field; no message ever contains key material or a passphrase.
 */
public final class PemCertificates {
  // A private provider instance: SEC1 EC keys without the public point convert only with BC.
  private static final Provider BC = new BouncyCastleProvider();
  private static final int DNS_SAN = 2;
  private static final String CHAIN = "certificate_chain";
  private static final String KEY = "private_key";
  private static final String PASSPHRASE = "private_key_passphrase";

  private PemCertificates() {}

  /** The certificates of a PEM chain, leaf first, as given (not yet checked). */
  public static List<X509Certificate> parseChain(String pem) {
    List<X509Certificate> chain = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter().setProvider(BC);
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object item;
      while ((item = parser.readObject()) != null) {
        if (!(item instanceof X509CertificateHolder holder)) {
          throw new CertificateProblem(
              CHAIN,
              "certificate_chain holds a PEM block that is not a CERTIFICATE (block "
                  + (chain.size() + 1)
                  + ")");
        }
        chain.add(converter.getCertificate(holder));
      }
    } catch (CertificateProblem e) {
      throw e;
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new CertificateProblem(
          CHAIN,
          "certificate_chain is not PEM: certificate "
              + (chain.size() + 1)
              + " cannot be decoded ("
              + e.getClass().getSimpleName()
              + ")");
    }
    if (chain.isEmpty()) {
      throw new CertificateProblem(
          CHAIN, "certificate_chain is not PEM: it holds no -----BEGIN CERTIFICATE----- block");
    }
    return chain;
  }

  /**
   * Checks that each certificate is issued and signed by the next one: the leaf first, then each
   * issuer right after what it signed. Positions in messages count from 1.
   */
  public static void checkOrder(List<X509Certificate> chain) {
    for (int i = 0; i + 1 < chain.size(); i++) {
      X509Certificate cert = chain.get(i);
      X509Certificate next = chain.get(i + 1);
      X500Principal issuer = cert.getIssuerX500Principal();
      if (!issuer.equals(next.getSubjectX500Principal())) {
        int issuerAt = -1;
        for (int j = 0; j < chain.size(); j++) {
          if (j != i && chain.get(j).getSubjectX500Principal().equals(issuer)) {
            issuerAt = j;
            break;
          }
        }
        throw new CertificateProblem(
            CHAIN,
            issuerAt >= 0
                ? "certificate_chain is out of order: certificate "
                    + (i + 1)
                    + " ("
                    + subject(cert)
                    + ") is issued by certificate "
                    + (issuerAt + 1)
                    + ", not by certificate "
                    + (i + 2)
                    + "; give the leaf first, then each issuer right after what it signed"
                : "certificate_chain is broken at certificate "
                    + (i + 2)
                    + ": certificate "
                    + (i + 1)
                    + " ("
                    + subject(cert)
                    + ") is issued by "
                    + issuer.getName(X500Principal.RFC2253)
                    + ", but certificate "
                    + (i + 2)
                    + " is "
                    + subject(next));
      }
      try {
        cert.verify(next.getPublicKey(), BC);
      } catch (GeneralSecurityException | RuntimeException e) {
        throw new CertificateProblem(
            CHAIN,
            "certificate_chain is broken at certificate "
                + (i + 2)
                + ": its key did not sign certificate "
                + (i + 1)
                + " ("
                + subject(cert)
                + "), although the names match");
      }
    }
  }

  /** Checks that every certificate of the chain is valid at {@code now}. */
  public static void checkValidity(List<X509Certificate> chain, Instant now) {
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate cert = chain.get(i);
      String which =
          "certificate " + (i + 1) + (i == 0 ? " (the leaf, " : " (") + subject(cert) + ")";
      Instant notBefore = cert.getNotBefore().toInstant();
      Instant notAfter = cert.getNotAfter().toInstant();
      if (now.isBefore(notBefore)) {
        throw new CertificateProblem(
            CHAIN, "certificate_chain " + which + " is not yet valid: valid from " + notBefore);
      }
      if (now.isAfter(notAfter)) {
        throw new CertificateProblem(
            CHAIN, "certificate_chain " + which + " has expired: valid until " + notAfter);
      }
    }
  }

  /**
   * An unencrypted PEM private key: PKCS#8 "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY".
   */
  public static PrivateKey parsePrivateKey(String pem) {
    return parsePrivateKey(pem, "");
  }

  /**
   * A PEM private key; an encrypted one ("ENCRYPTED PRIVATE KEY", or OpenSSL's "Proc-Type:
   * 4,ENCRYPTED") is decrypted with the passphrase, which must be empty for an unencrypted one.
   */
  public static PrivateKey parsePrivateKey(String pem, String passphrase) {
    JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(BC);
    Object item;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      item = parser.readObject();
    } catch (IOException | RuntimeException e) {
      throw new CertificateProblem(KEY, "private_key is not a valid PEM private key");
    }
    try {
      if (item instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
        requirePassphrase(passphrase);
        try {
          PrivateKeyInfo info =
              encrypted.decryptPrivateKeyInfo(
                  new JceOpenSSLPKCS8DecryptorProviderBuilder()
                      .setProvider(BC)
                      .build(passphrase.toCharArray()));
          // A wrong passphrase may also decrypt to bytes that pass the padding check.
          return converter.getPrivateKey(info);
        } catch (PKCSException | OperatorCreationException | PEMException | RuntimeException e) {
          throw wrongPassphrase();
        }
      }
      if (item instanceof PEMEncryptedKeyPair encrypted) {
        requirePassphrase(passphrase);
        try {
          PEMKeyPair pair =
              encrypted.decryptKeyPair(
                  new JcePEMDecryptorProviderBuilder()
                      .setProvider(BC)
                      .build(passphrase.toCharArray()));
          return converter.getPrivateKey(pair.getPrivateKeyInfo());
        } catch (IOException | RuntimeException e) {
          // A wrong passphrase mostly fails as bad padding, but may decrypt to garbage instead.
          throw wrongPassphrase();
        }
      }
      if (item instanceof PEMKeyPair || item instanceof PrivateKeyInfo) {
        if (!passphrase.isEmpty()) {
          throw new CertificateProblem(
              PASSPHRASE,
              "private_key_passphrase is given but private_key is not encrypted; leave it empty");
        }
        return converter.getPrivateKey(
            item instanceof PEMKeyPair pair ? pair.getPrivateKeyInfo() : (PrivateKeyInfo) item);
      }
    } catch (PEMException | RuntimeException e) {
      if (e instanceof CertificateProblem problem) {
        throw problem;
      }
      throw new CertificateProblem(KEY, "private_key is not a valid PEM private key");
    }
    // Never echo the content: it may be key material in a format we do not take.
    throw new CertificateProblem(
        KEY,
        "private_key must be one PEM private key (PKCS#8, PKCS#1 RSA, SEC1 EC, or encrypted"
            + " PKCS#8 with private_key_passphrase)");
  }

  private static void requirePassphrase(String passphrase) {
    if (passphrase.isEmpty()) {
      throw new CertificateProblem(
          PASSPHRASE,
          "private_key is encrypted: a passphrase is needed (private_key_passphrase; CLI:"
              + " --key-passphrase-file or --key-passphrase)");
    }
  }

  private static CertificateProblem wrongPassphrase() {
    return new CertificateProblem(
        PASSPHRASE, "private_key_passphrase is wrong: it does not decrypt private_key");
  }

  /**
   * The key as the store keeps it: an unencrypted key as given, an encrypted one decrypted and
   * written as PKCS#8 "PRIVATE KEY" (the store encrypts it under its own key).
   */
  public static String storableKey(String pem, String passphrase) {
    if (passphrase.isEmpty()) {
      return pem;
    }
    PrivateKey key = parsePrivateKey(pem, passphrase);
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(new PemObject("PRIVATE KEY", key.getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Parses both, checks the chain's order and that the key signs what the leaf's public key
   * verifies, and that the leaf has a name; not the validity period (see {@link #checkValidity}).
   */
  public static ParsedCertificate parse(String chainPem, String keyPem) {
    return parse(chainPem, keyPem, "");
  }

  /** As {@link #parse(String, String)}, decrypting an encrypted key with the passphrase. */
  public static ParsedCertificate parse(String chainPem, String keyPem, String passphrase) {
    List<X509Certificate> chain = parseChain(chainPem);
    checkOrder(chain);
    PrivateKey key = parsePrivateKey(keyPem, passphrase);
    X509Certificate leaf = chain.get(0);
    if (!keyMatches(key, leaf.getPublicKey())) {
      throw new CertificateProblem(
          KEY, "private_key does not match the public key of the leaf certificate");
    }
    ParsedCertificate parsed = describe(chain);
    if (parsed.dnsNames().isEmpty()) {
      throw new CertificateProblem(
          CHAIN,
          "certificate_chain leaf ("
              + subject(leaf)
              + ") has no usable name: no DNS subjectAltName and no common name (CN)");
    }
    return parsed;
  }

  /**
   * What the API shows of a chain: the leaf's names, validity, fingerprint, issuer, key, serial.
   */
  public static ParsedCertificate describe(List<X509Certificate> chain) {
    X509Certificate leaf = chain.get(0);
    try {
      return new ParsedCertificate(
          chain,
          dnsNames(leaf),
          leaf.getNotBefore().toInstant(),
          leaf.getNotAfter().toInstant(),
          HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(leaf.getEncoded())),
          leaf.getIssuerX500Principal().getName(X500Principal.RFC2253),
          keyType(leaf.getPublicKey()),
          leaf.getSerialNumber().toString(16));
    } catch (GeneralSecurityException e) {
      throw new CertificateProblem(
          CHAIN, "certificate_chain leaf cannot be encoded: " + e.getClass().getSimpleName());
    }
  }

  /** "RSA 2048", "EC P-256", "EC P-384", "EC P-521", "Ed25519", "Ed448", else the algorithm. */
  static String keyType(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      return "RSA " + rsa.getModulus().bitLength();
    }
    if (key instanceof ECPublicKey ec) {
      int bits = ec.getParams().getCurve().getField().getFieldSize();
      return switch (bits) {
        case 256, 384, 521 -> "EC P-" + bits;
        default -> "EC " + bits;
      };
    }
    return switch (key.getAlgorithm()) {
      case "Ed25519", "1.3.101.112" -> "Ed25519";
      case "Ed448", "1.3.101.113" -> "Ed448";
      case "EdDSA" -> key.getEncoded().length < 50 ? "Ed25519" : "Ed448";
      default -> key.getAlgorithm();
    };
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

  private static String subject(X509Certificate cert) {
    return cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
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
      throw new CertificateProblem(CHAIN, "certificate_chain leaf has a malformed subjectAltName");
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(leaf.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            String cn = String.valueOf(rdn.getValue()).strip().toLowerCase(Locale.ROOT);
            if (!cn.isEmpty()) {
              names.add(cn);
            }
          }
        }
      } catch (InvalidNameException e) {
        throw new CertificateProblem(CHAIN, "certificate_chain leaf has a malformed subject");
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
