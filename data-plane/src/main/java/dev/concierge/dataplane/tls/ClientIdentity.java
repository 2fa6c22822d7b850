package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.CertificateNames;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * The client certificate a TLS connection's handshake verified, as the backend is told it: {@code
 * X-Client-Cert-Subject} (the leaf's subject, RFC 2253), {@code X-Client-Cert-Fingerprint} (SHA-256
 * of the leaf, lower-case hex without colons) and {@code X-Client-Cert-Verified: SUCCESS}. A client
 * certificate is only ever in the session when the handshake verified it against the CA bundle of
 * the name's certificate. Computed once per TLS session and kept in it; immutable.
 *
 * @param subject the leaf's subject distinguished name, RFC 2253
 * @param fingerprint SHA-256 of the leaf's DER encoding, lower-case hex
 */
public record ClientIdentity(String subject, String fingerprint) {
  /** The subject header. */
  public static final String SUBJECT_HEADER = "X-Client-Cert-Subject";

  /** The fingerprint header. */
  public static final String FINGERPRINT_HEADER = "X-Client-Cert-Fingerprint";

  /** The verification header. */
  public static final String VERIFIED_HEADER = "X-Client-Cert-Verified";

  /** The verification header's value: a certificate was presented and verified. */
  public static final String VERIFIED = "SUCCESS";

  private static final String PREFIX = "X-Client-Cert-";
  private static final String SESSION_KEY = ClientIdentity.class.getName();

  public ClientIdentity {
    requireNonNull(subject, "subject");
    requireNonNull(fingerprint, "fingerprint");
  }

  /** The identity of {@code leaf}. */
  public static ClientIdentity of(X509Certificate leaf) {
    return new ClientIdentity(
        leaf.getSubjectX500Principal().getName(X500Principal.RFC2253),
        CertificateNames.fingerprint(leaf));
  }

  /**
   * The verified client certificate of the TLS connection {@code request} came over, or null when
   * it is not TLS or the client sent none. Reads the session Jetty's SecureRequestCustomizer
   * exposes; the first request of a session computes it, the others read it from the session.
   */
  public static @Nullable ClientIdentity of(Request request) {
    if (!(request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE)
        instanceof EndPoint.SslSessionData data)) {
      return null;
    }
    X509Certificate[] peers = data.peerCertificates();
    if (peers == null || peers.length == 0) {
      return null;
    }
    SSLSession session = data.sslSession();
    if (session != null && session.getValue(SESSION_KEY) instanceof ClientIdentity known) {
      return known;
    }
    ClientIdentity identity = of(peers[0]);
    if (session != null) {
      session.putValue(SESSION_KEY, identity);
    }
    return identity;
  }

  /** Whether {@code name} is one of the three headers, which the node never takes from a client. */
  public static boolean isHeader(String name) {
    if (name.length() <= PREFIX.length()
        || !name.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return false;
    }
    return name.equalsIgnoreCase(SUBJECT_HEADER)
        || name.equalsIgnoreCase(FINGERPRINT_HEADER)
        || name.equalsIgnoreCase(VERIFIED_HEADER);
  }
}
