package dev.concierge.dataplane.tls;

import dev.concierge.api.rules.CertificateNames;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ClientAuthentication;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.BiConsumer;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Turns a snapshot's certificates into a {@link CertificateIndex}. The control plane has validated
 * them and sends every key as PKCS#8 ("PRIVATE KEY"), so the node needs only the JDK to read them;
 * anything else is a problem that makes the node refuse the snapshot. Problems never quote key
 * material. A certificate's client authentication is compiled here too, once per snapshot: its CA
 * bundle's trust manager, which handshakes then only read.
 */
public final class CertificateCompiler {
  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String ANY_EXTENDED_KEY_USAGE = "2.5.29.37.0";

  private CertificateCompiler() {}

  /**
   * The index of {@code certificates}; each problem goes to {@code problems} as (field path,
   * description) and leaves that certificate out.
   */
  public static CertificateIndex compile(
      List<Certificate> certificates, BiConsumer<String, String> problems) {
    List<ServedCertificate> served = new ArrayList<>();
    for (int i = 0; i < certificates.size(); i++) {
      Certificate certificate = certificates.get(i);
      String path = "certificates[" + i + "]";
      try {
        ServedCertificate compiled = compile(certificate);
        // A client certificate (for mTLS to backends) is stored like any other but never served.
        if (forServers(compiled.leaf())) {
          served.add(compiled);
        }
      } catch (IllegalArgumentException e) {
        problems.accept(path, certificate.getName() + ": " + e.getMessage());
      }
    }
    return CertificateIndex.of(served);
  }

  /**
   * Whether {@code leaf} may authenticate a TLS server (RFC 5280 §4.2.1.12): it has no extended key
   * usage, or one that lists serverAuth or anyExtendedKeyUsage.
   */
  static boolean forServers(X509Certificate leaf) {
    try {
      List<String> usages = leaf.getExtendedKeyUsage();
      return usages == null
          || usages.contains(SERVER_AUTH)
          || usages.contains(ANY_EXTENDED_KEY_USAGE);
    } catch (java.security.cert.CertificateParsingException e) {
      return false;
    }
  }

  /** One certificate; {@link IllegalArgumentException} says what is wrong with it. */
  public static ServedCertificate compile(Certificate certificate) {
    List<X509Certificate> chain = chain(certificate.getCertificateChain());
    X509Certificate leaf = chain.get(0);
    String algorithm = leaf.getPublicKey().getAlgorithm();
    PrivateKey key = key(certificate.getPrivateKey(), algorithm);
    List<String> names = CertificateNames.of(leaf);
    if (names.isEmpty()) {
      throw new IllegalArgumentException("the leaf certificate names no host");
    }
    return new ServedCertificate(
        certificate.getName() + "#" + CertificateNames.fingerprint(leaf),
        certificate.getName(),
        chain,
        key,
        algorithm,
        names,
        leaf.getNotAfter().toInstant(),
        certificate.getDefaultCertificate(),
        certificate.hasClientAuthentication()
            ? clientAuth(certificate.getName(), certificate.getClientAuthentication())
            : null);
  }

  /**
   * The client authentication of certificate {@code name}: its CA bundle becomes the one trust
   * manager its handshakes verify client certificates with (PKIX, no revocation checks).
   */
  static ClientAuthPolicy clientAuth(String name, ClientAuthentication auth) {
    if (auth.getMode() != ClientAuthentication.Mode.OPTIONAL
        && auth.getMode() != ClientAuthentication.Mode.REQUIRED) {
      throw new IllegalArgumentException("client_authentication.mode is not OPTIONAL or REQUIRED");
    }
    List<X509Certificate> authorities;
    try {
      authorities = chain(auth.getCaBundle());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "client_authentication."
              + String.valueOf(e.getMessage()).replace("certificate_chain", "ca_bundle"));
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      for (int i = 0; i < authorities.size(); i++) {
        store.setCertificateEntry("ca-" + i, authorities.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
      factory.init(store);
      for (TrustManager manager : factory.getTrustManagers()) {
        if (manager instanceof X509ExtendedTrustManager trust) {
          return new ClientAuthPolicy(name, auth.getMode(), trust, authorities);
        }
      }
      throw new IllegalArgumentException(
          "client_authentication: the JDK has no X.509 trust manager");
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalArgumentException(
          "client_authentication.ca_bundle cannot be trusted: " + e.getMessage());
    }
  }

  private static List<X509Certificate> chain(String pem) {
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      List<X509Certificate> chain = new ArrayList<>();
      for (java.security.cert.Certificate c :
          factory.generateCertificates(
              new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        chain.add((X509Certificate) c);
      }
      if (chain.isEmpty()) {
        throw new IllegalArgumentException("certificate_chain holds no certificate");
      }
      return chain;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("certificate_chain is not PEM X.509: " + e.getMessage());
    }
  }

  private static PrivateKey key(String pem, String algorithm) {
    int begin = pem.indexOf(KEY_BEGIN);
    int end = pem.indexOf(KEY_END);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException("private_key is not a PKCS#8 PEM key");
    }
    try {
      byte[] der =
          Base64.getMimeDecoder().decode(pem.substring(begin + KEY_BEGIN.length(), end).trim());
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "private_key is not a PKCS#8 " + algorithm + " key of the leaf certificate");
    }
  }
}
