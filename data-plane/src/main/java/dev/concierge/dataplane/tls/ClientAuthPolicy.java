package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ClientAuthentication;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The compiled client-certificate authentication of one certificate resource: whether a client
 * certificate is needed or only wanted, and the trust manager over that resource's CA bundle (its
 * CAs are also the list the CertificateRequest names). Immutable.
 *
 * @param certificateName the certificate resource it belongs to ("certificates/{id}")
 * @param mode OPTIONAL or REQUIRED
 * @param trust verifies client chains against {@code authorities} only
 * @param authorities the CA certificates of the bundle
 */
public record ClientAuthPolicy(
    String certificateName,
    ClientAuthentication.Mode mode,
    X509ExtendedTrustManager trust,
    List<X509Certificate> authorities) {
  public ClientAuthPolicy {
    requireNonNull(certificateName, "certificateName");
    requireNonNull(mode, "mode");
    requireNonNull(trust, "trust");
    authorities = List.copyOf(authorities);
  }

  /**
   * Asks for a client certificate in {@code parameters}: REQUIRED needs one (a handshake without
   * fails), OPTIONAL wants one (none is fine; one that does not verify still fails the handshake).
   */
  public void applyTo(SSLParameters parameters) {
    if (mode == ClientAuthentication.Mode.REQUIRED) {
      parameters.setNeedClientAuth(true);
    } else {
      parameters.setWantClientAuth(true);
    }
  }
}
