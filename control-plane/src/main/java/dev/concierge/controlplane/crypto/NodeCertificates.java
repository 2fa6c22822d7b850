package dev.concierge.controlplane.crypto;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * Nodes' client certificates under the {@link FleetCa}: issued from a node's CSR for its id (CN and
 * URI SAN {@code urn:concierge:node:<id>}, clientAuth usage, short-lived), and checked when a node
 * presents one. Thread-safe.
 */
public final class NodeCertificates {
  /** How long a node certificate is valid unless configured. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  /** The shortest lifetime that can be configured: renewal needs room. */
  public static final Duration MIN_TTL = Duration.ofSeconds(5);

  /** The URI SAN prefix that carries the node id. */
  public static final String URI_PREFIX = "urn:concierge:node:";

  /** What a node id may be; the same rule as the discovery stream's. */
  public static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private static final int URI = 6;
  private static final String CLIENT_AUTH = KeyPurposeId.id_kp_clientAuth.getId();

  private final FleetCa ca;
  private final Duration ttl;
  private final Clock clock;

  public NodeCertificates(FleetCa ca, Duration ttl, Clock clock) {
    this.ca = requireNonNull(ca, "ca");
    this.ttl = requireNonNull(ttl, "ttl");
    this.clock = requireNonNull(clock, "clock");
    if (ttl.compareTo(MIN_TTL) < 0) {
      throw new IllegalArgumentException("node certificate ttl must be at least 5s, not " + ttl);
    }
  }

  /**
   * A certificate for {@code nodeId} with the public key of this PKCS#10 request (DER), valid for
   * the configured lifetime.
   *
   * @throws IllegalArgumentException naming what is wrong with the id or the request
   */
  public X509Certificate issue(String nodeId, byte[] csrDer) {
    if (!NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException("node_id must be 1-128 of [A-Za-z0-9._:-]");
    }
    PublicKey key = verifiedKey(csrDer);
    X500Name subject =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.CN, nodeId)
            .addRDN(BCStyle.O, "Concierge nodes")
            .build();
    return ca.issue(
        key,
        subject,
        List.of(new GeneralName(GeneralName.uniformResourceIdentifier, URI_PREFIX + nodeId)),
        clock.instant().plus(ttl),
        KeyPurposeId.id_kp_clientAuth);
  }

  /** The request's public key, after checking that the request is signed by its private key. */
  private static PublicKey verifiedKey(byte[] csrDer) {
    JcaPKCS10CertificationRequest csr;
    try {
      csr = new JcaPKCS10CertificationRequest(csrDer);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("csr is not a DER PKCS#10 request: " + e.getMessage());
    }
    try {
      PublicKey key = csr.getPublicKey();
      String algorithm = key.getAlgorithm();
      if (!algorithm.equals("EC") && !algorithm.equals("RSA")) {
        throw new IllegalArgumentException("csr key must be EC or RSA, not " + algorithm);
      }
      if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalArgumentException("csr signature does not verify with its own key");
      }
      return key;
    } catch (GeneralSecurityException | OperatorCreationException | PKCSException e) {
      throw new IllegalArgumentException("csr cannot be verified: " + e.getMessage());
    }
  }

  /** The PEM chain a node is given: its certificate, then the CA's. */
  public String pemChain(X509Certificate issued) {
    return FleetCa.pem(issued) + FleetCa.pem(ca.certificate());
  }

  /**
   * The node id of a presented client certificate chain, after checking that its first certificate
   * was signed by this CA, is valid now and is meant for clients.
   *
   * @throws CertificateRefused saying why not
   */
  public String nodeIdOf(X509Certificate[] chain) throws CertificateRefused {
    if (chain.length == 0) {
      throw new CertificateRefused("no client certificate");
    }
    X509Certificate leaf = chain[0];
    try {
      leaf.verify(ca.certificate().getPublicKey());
    } catch (GeneralSecurityException e) {
      throw new CertificateRefused("client certificate is not signed by the fleet CA");
    }
    Instant now = clock.instant();
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new CertificateRefused(
          "client certificate expired at " + leaf.getNotAfter().toInstant());
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new CertificateRefused("client certificate is not valid yet");
    }
    try {
      List<String> usages = leaf.getExtendedKeyUsage();
      if (usages == null || !usages.contains(CLIENT_AUTH)) {
        throw new CertificateRefused("client certificate is not for client authentication");
      }
    } catch (CertificateParsingException e) {
      throw new CertificateRefused("client certificate has a broken extended key usage");
    }
    return nodeId(leaf)
        .orElseThrow(() -> new CertificateRefused("client certificate names no node"));
  }

  /** The id in a certificate's {@code urn:concierge:node:} URI SAN. */
  static Optional<String> nodeId(X509Certificate cert) {
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans == null) {
        return Optional.empty();
      }
      for (List<?> san : sans) {
        if (san.get(0) instanceof Integer type
            && type == URI
            && san.get(1) instanceof String uri
            && uri.startsWith(URI_PREFIX)) {
          String id = uri.substring(URI_PREFIX.length());
          return NODE_ID.matcher(id).matches() ? Optional.of(id) : Optional.empty();
        }
      }
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Why a presented client certificate is not accepted. */
  public static final class CertificateRefused extends Exception {
    private static final long serialVersionUID = 1L;

    public CertificateRefused(String message) {
      super(message, null, false, false);
    }
  }
}
