package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import javax.net.ssl.SSLContext;

/**
 * The TLS context of handshakes whose SNI name selects a certificate with client authentication:
 * the node's certificates, that certificate's {@link ClientAuthPolicy} as the only trust, and a
 * session cache of its own, so a session is never resumed across names with different client
 * authentication. Built once per runtime, never per handshake.
 *
 * @param policy the client authentication it applies
 * @param context its SSL context
 */
public record ClientAuthContext(ClientAuthPolicy policy, SSLContext context) {
  public ClientAuthContext {
    requireNonNull(policy, "policy");
    requireNonNull(context, "context");
  }

  /** The certificate resource whose policy this is. */
  public String certificateName() {
    return policy.certificateName();
  }
}
