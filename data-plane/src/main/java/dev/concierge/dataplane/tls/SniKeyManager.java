package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;
import org.jspecify.annotations.Nullable;

/**
 * Picks the server certificate of each handshake from the {@link CertificateIndex} of the runtime
 * in force, by the client's SNI name and the key type the JDK asks for (it asks in the order of the
 * client's signature algorithms, so ECDSA first for clients that prefer it). A rotation is a new
 * runtime: the next handshake reads the new index, with no reload of the SSL context and no effect
 * on established connections. Thread-safe.
 */
public final class SniKeyManager extends X509ExtendedKeyManager {
  private final Supplier<CertificateIndex> index;
  // The index before the last swap seen: a handshake that chose its alias just before a rotation
  // still finds that alias's chain and key.
  private volatile CertificateIndex seen = CertificateIndex.empty();
  private volatile CertificateIndex before = CertificateIndex.empty();

  /** A key manager reading the index {@code index} supplies at each handshake. */
  public SniKeyManager(Supplier<CertificateIndex> index) {
    this.index = requireNonNull(index, "index");
  }

  @Override
  public @Nullable String chooseEngineServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable SSLEngine engine) {
    SSLSession session = engine == null ? null : engine.getHandshakeSession();
    ServedCertificate chosen = current().select(sniHost(session), keyType);
    return chosen == null ? null : chosen.alias();
  }

  @Override
  public @Nullable String chooseServerAlias(
      String keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    // The node's TLS runs on engines; a socket-based caller gets the no-SNI answer.
    ServedCertificate chosen = current().select(null, keyType);
    return chosen == null ? null : chosen.alias();
  }

  private CertificateIndex current() {
    CertificateIndex now = index.get();
    if (now != seen) {
      synchronized (this) {
        if (now != seen) {
          before = seen;
          seen = now;
        }
      }
    }
    return now;
  }

  private @Nullable ServedCertificate byAlias(String alias) {
    ServedCertificate certificate = current().byAlias(alias);
    return certificate != null ? certificate : before.byAlias(alias);
  }

  /** The host name the client sent in its SNI extension, or null. */
  static @Nullable String sniHost(@Nullable SSLSession session) {
    if (session instanceof ExtendedSSLSession extended) {
      List<SNIServerName> names = extended.getRequestedServerNames();
      for (SNIServerName name : names) {
        if (name.getType() == StandardConstants.SNI_HOST_NAME && name instanceof SNIHostName host) {
          return host.getAsciiName();
        }
      }
    }
    return null;
  }

  @Override
  public X509Certificate @Nullable [] getCertificateChain(String alias) {
    ServedCertificate certificate = byAlias(alias);
    return certificate == null ? null : certificate.chain();
  }

  @Override
  public @Nullable PrivateKey getPrivateKey(String alias) {
    ServedCertificate certificate = byAlias(alias);
    return certificate == null ? null : certificate.key();
  }

  @Override
  public String @Nullable [] getServerAliases(String keyType, Principal @Nullable [] issuers) {
    return current().all().stream()
        .filter(c -> c.keyType().equals(keyType))
        .map(ServedCertificate::alias)
        .toArray(String[]::new);
  }

  @Override
  public String @Nullable [] getClientAliases(String keyType, Principal @Nullable [] issuers) {
    return null;
  }

  @Override
  public @Nullable String chooseClientAlias(
      String[] keyType, Principal @Nullable [] issuers, @Nullable Socket socket) {
    return null;
  }
}
