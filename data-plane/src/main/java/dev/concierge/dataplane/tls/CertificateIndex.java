package dev.concierge.dataplane.tls;

import java.security.GeneralSecurityException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * The certificates of one runtime, indexed for SNI: an exact name wins over a wildcard, a wildcard
 * ({@code *.example.com}) covers exactly one label ({@code a.example.com}, neither {@code
 * example.com} nor {@code a.b.example.com}), and a client without SNI or with a name nothing covers
 * gets the default certificate, if one is marked. Among certificates for the same name the key
 * manager asks per key type in the client's order of preference, so a client that prefers ECDSA
 * gets the ECDSA one. A certificate with client authentication has its own {@link
 * ClientAuthContext}, built here, once. Immutable; lookups allocate nothing but the lower-cased
 * name.
 */
public final class CertificateIndex {
  private static final CertificateIndex EMPTY = new CertificateIndex(List.of());

  private final Map<String, ServedCertificate[]> exact = new HashMap<>();
  // Keyed by the parent domain: "*.b.example.com" is found under "b.example.com".
  private final Map<String, ServedCertificate[]> wildcard = new HashMap<>();
  private final Map<String, ServedCertificate> byAlias = new HashMap<>();
  private final @Nullable ServedCertificate defaultCertificate;
  private final List<ServedCertificate> all;
  // The TLS context of each certificate that authenticates clients (ServedCertificate has identity
  // equality); empty when none does, which is what lets connections skip the ClientHello peek.
  private final Map<ServedCertificate, ClientAuthContext> clientAuth = new HashMap<>();

  private CertificateIndex(List<ServedCertificate> certificates) {
    // Of two certificates for one name and key type, the one valid longer is offered first.
    List<ServedCertificate> ordered =
        certificates.stream()
            .sorted(
                Comparator.comparing(ServedCertificate::notAfter)
                    .reversed()
                    .thenComparing(ServedCertificate::name))
            .toList();
    Map<String, List<ServedCertificate>> exactLists = new HashMap<>();
    Map<String, List<ServedCertificate>> wildcardLists = new HashMap<>();
    ServedCertificate chosenDefault = null;
    for (ServedCertificate certificate : ordered) {
      byAlias.put(certificate.alias(), certificate);
      if (certificate.isDefault()) {
        chosenDefault = certificate;
      }
      for (String name : certificate.names()) {
        if (name.startsWith("*.")) {
          add(wildcardLists, name.substring(2), certificate);
        } else {
          add(exactLists, name, certificate);
        }
      }
    }
    exactLists.forEach((k, v) -> exact.put(k, v.toArray(ServedCertificate[]::new)));
    wildcardLists.forEach((k, v) -> wildcard.put(k, v.toArray(ServedCertificate[]::new)));
    this.defaultCertificate = chosenDefault;
    this.all = ordered;
    for (ServedCertificate certificate : ordered) {
      ClientAuthPolicy policy = certificate.clientAuth();
      if (policy != null) {
        clientAuth.put(certificate, new ClientAuthContext(policy, clientAuthContext(policy)));
      }
    }
  }

  /**
   * A context serving this index's certificates and trusting only {@code policy}'s CAs. Its key
   * manager reads this index: a connection keeps the certificates of the runtime it started under.
   */
  private SSLContext clientAuthContext(ClientAuthPolicy policy) {
    TlsProfile.applyProcessDefaults();
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      CertificateIndex self = this;
      context.init(
          new KeyManager[] {new SniKeyManager(() -> self)},
          new TrustManager[] {policy.trust()},
          null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS context", e);
    }
  }

  private static void add(
      Map<String, List<ServedCertificate>> lists, String key, ServedCertificate certificate) {
    List<ServedCertificate> list = lists.computeIfAbsent(key, k -> new java.util.ArrayList<>());
    if (!list.contains(certificate)) {
      list.add(certificate);
    }
  }

  /** An index of {@code certificates}; at most one should be marked default (the last wins). */
  public static CertificateIndex of(List<ServedCertificate> certificates) {
    return certificates.isEmpty() ? EMPTY : new CertificateIndex(certificates);
  }

  /** No certificates: every handshake fails. */
  public static CertificateIndex empty() {
    return EMPTY;
  }

  /** Every certificate, longest-valid first. */
  public List<ServedCertificate> all() {
    return all;
  }

  /** The default certificate, or null when none is marked. */
  public @Nullable ServedCertificate defaultCertificate() {
    return defaultCertificate;
  }

  /** The certificate with {@code alias}, or null. */
  public @Nullable ServedCertificate byAlias(String alias) {
    return byAlias.get(alias);
  }

  /**
   * The certificates that cover {@code host} (exact names first, else the wildcard of its parent),
   * or null when none does.
   */
  public ServedCertificate @Nullable [] covering(String host) {
    String name = host.toLowerCase(Locale.ROOT);
    ServedCertificate[] found = exact.get(name);
    if (found != null) {
      return found;
    }
    int dot = name.indexOf('.');
    return dot < 0 ? null : wildcard.get(name.substring(dot + 1));
  }

  /**
   * Whether a handshake naming {@code host} gets a certificate (it is covered, or a default is).
   */
  public boolean accepts(String host) {
    return defaultCertificate != null || covering(host) != null;
  }

  /**
   * Whether some certificate asks for client certificates (else no handshake needs the SNI early).
   */
  public boolean usesClientAuth() {
    return !clientAuth.isEmpty();
  }

  /**
   * The client authentication of a handshake naming {@code host} (null: no SNI), by the same rule
   * as {@link #select}: that of the first certificate covering the name that asks for one (the
   * default certificate's for no SNI or a name nothing covers), or null when none does.
   */
  public @Nullable ClientAuthContext clientAuth(@Nullable String host) {
    if (clientAuth.isEmpty()) {
      return null;
    }
    ServedCertificate[] candidates = host == null ? null : covering(host);
    if (candidates == null) {
      ServedCertificate fallback = defaultCertificate;
      return fallback == null ? null : clientAuth.get(fallback);
    }
    for (ServedCertificate candidate : candidates) {
      ClientAuthContext context = clientAuth.get(candidate);
      if (context != null) {
        return context;
      }
    }
    return null;
  }

  /**
   * The certificate of {@code keyType} for a handshake naming {@code host} (null: no SNI), or null
   * when there is none of that key type: the JDK then asks for its next key type.
   */
  public @Nullable ServedCertificate select(@Nullable String host, String keyType) {
    ServedCertificate[] candidates = host == null ? null : covering(host);
    if (candidates == null) {
      ServedCertificate fallback = defaultCertificate;
      return fallback != null && fallback.keyType().equals(keyType) ? fallback : null;
    }
    for (ServedCertificate candidate : candidates) {
      if (candidate.keyType().equals(keyType)) {
        return candidate;
      }
    }
    return null;
  }
}
