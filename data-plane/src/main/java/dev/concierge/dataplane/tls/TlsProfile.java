package dev.concierge.dataplane.tls;

import java.util.List;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The node's TLS settings for client connections: Mozilla's "intermediate" profile (v5.7) without
 * its DHE suites. TLS 1.2 and 1.3 only; ECDHE key exchange with AEAD ciphers only (AES-GCM and
 * ChaCha20-Poly1305), ECDSA suites first so that a client offering both gets the ECDSA certificate
 * when the name has one; groups X25519, P-256, P-384; no client-initiated renegotiation. The JDK
 * never compresses TLS records, and its session cache and TLS 1.3 tickets keep resumption on.
 */
public final class TlsProfile {
  /** TLS protocol versions offered. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /**
   * Cipher suites in the server's order of preference. TLS 1.3 suites are all AEAD; the TLS 1.2
   * ones are the ECDHE+AEAD suites of the intermediate profile. No CBC, RSA key exchange, DHE,
   * 3DES, RC4, NULL, anonymous or export suite is ever negotiated.
   */
  public static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** Key exchange groups, as the JDK names them. */
  public static final String NAMED_GROUPS = "x25519,secp256r1,secp384r1";

  private static final String NAMED_GROUPS_PROPERTY = "jdk.tls.namedGroups";
  private static final String RENEGOTIATION_PROPERTY = "jdk.tls.rejectClientInitiatedRenegotiation";

  private TlsProfile() {}

  /**
   * Applies the profile to {@code factory}. On JDK 17 the groups can only be set for the whole
   * process (the per-engine setter came with JDK 20), so this sets the JDK's own properties unless
   * the operator set them: they are read once, when the JDK's TLS classes first load, which is why
   * the node calls this before it opens any TLS connection.
   */
  public static void applyTo(SslContextFactory.Server factory) {
    applyProcessDefaults();
    factory.setIncludeProtocols(PROTOCOLS.toArray(String[]::new));
    factory.setIncludeCipherSuites(CIPHER_SUITES.toArray(String[]::new));
    // Jetty's default exclusions (e.g. of every CBC suite) would not change the list above.
    factory.setExcludeCipherSuites();
    factory.setUseCipherSuitesOrder(true);
    factory.setRenegotiationAllowed(false);
  }

  /** Sets the JDK-wide TLS properties this profile needs, unless already set. */
  public static void applyProcessDefaults() {
    if (System.getProperty(NAMED_GROUPS_PROPERTY) == null) {
      System.setProperty(NAMED_GROUPS_PROPERTY, NAMED_GROUPS);
    }
    if (System.getProperty(RENEGOTIATION_PROPERTY) == null) {
      System.setProperty(RENEGOTIATION_PROPERTY, "true");
    }
  }
}
