package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** One certificate resource as the node serves it: its chain, its key and the names it covers. */
public final class ServedCertificate {
  private final String alias;
  private final String name;
  private final X509Certificate[] chain;
  private final PrivateKey key;
  private final String keyType;
  private final List<String> names;
  private final Instant notAfter;
  private final boolean isDefault;
  private final @Nullable ClientAuthPolicy clientAuth;

  /**
   * @param alias what the key manager calls it: the resource name and the leaf's fingerprint, so an
   *     alias picked just before a rotation never fetches the new key for the old chain
   * @param name the resource name, "certificates/{id}"
   * @param chain leaf first
   * @param keyType the JDK's key type of the leaf key ("RSA", "EC", "EdDSA", "RSASSA-PSS")
   * @param names the lower-case DNS names it covers ("*.example.com" for a wildcard)
   */
  public ServedCertificate(
      String alias,
      String name,
      List<X509Certificate> chain,
      PrivateKey key,
      String keyType,
      List<String> names,
      Instant notAfter,
      boolean isDefault) {
    this(alias, name, chain, key, keyType, names, notAfter, isDefault, null);
  }

  /**
   * As above, with the client-certificate authentication of handshakes that select it ({@code
   * null}: none).
   */
  public ServedCertificate(
      String alias,
      String name,
      List<X509Certificate> chain,
      PrivateKey key,
      String keyType,
      List<String> names,
      Instant notAfter,
      boolean isDefault,
      @Nullable ClientAuthPolicy clientAuth) {
    this.alias = requireNonNull(alias, "alias");
    this.name = requireNonNull(name, "name");
    this.chain = chain.toArray(X509Certificate[]::new);
    if (this.chain.length == 0) {
      throw new IllegalArgumentException("empty chain");
    }
    this.key = requireNonNull(key, "key");
    this.keyType = requireNonNull(keyType, "keyType");
    this.names = List.copyOf(names);
    this.notAfter = requireNonNull(notAfter, "notAfter");
    this.isDefault = isDefault;
    this.clientAuth = clientAuth;
  }

  public String alias() {
    return alias;
  }

  public String name() {
    return name;
  }

  /** The chain, leaf first; a copy (the JDK may keep what a key manager returns). */
  public X509Certificate[] chain() {
    return chain.clone();
  }

  /** The leaf certificate. */
  public X509Certificate leaf() {
    return chain[0];
  }

  public PrivateKey key() {
    return key;
  }

  public String keyType() {
    return keyType;
  }

  public List<String> names() {
    return names;
  }

  public Instant notAfter() {
    return notAfter;
  }

  public boolean isDefault() {
    return isDefault;
  }

  /** Its client-certificate authentication, or null when it asks for no client certificate. */
  public @Nullable ClientAuthPolicy clientAuth() {
    return clientAuth;
  }

  /** Never the key. */
  @Override
  public String toString() {
    return "ServedCertificate[" + alias + " " + keyType + " " + names + "]";
  }
}
