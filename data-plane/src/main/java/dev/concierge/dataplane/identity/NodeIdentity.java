package dev.concierge.dataplane.identity;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A node's private key and the certificate chain the fleet CA issued for it (its own certificate
 * first).
 *
 * @param nodeId the id the certificate was asked for
 * @param key the node's private key; never logged or sent
 * @param chain the node's certificate, then the CA's
 */
public record NodeIdentity(String nodeId, PrivateKey key, List<X509Certificate> chain) {
  public NodeIdentity {
    requireNonNull(nodeId, "nodeId");
    requireNonNull(key, "key");
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("an identity needs its certificate");
    }
  }

  /** The identity of this key with the PEM chain the control plane answered. */
  public static NodeIdentity of(String nodeId, PrivateKey key, String pemChain) {
    return new NodeIdentity(nodeId, key, parseChain(pemChain));
  }

  /** When the node's certificate stops being valid. */
  public Instant notAfter() {
    return chain.get(0).getNotAfter().toInstant();
  }

  /** Whether the certificate names this identity's node id (its URI SAN), as the CA issues it. */
  public boolean certifiesItsNodeId() {
    try {
      Collection<List<?>> sans = chain.get(0).getSubjectAlternativeNames();
      return sans != null
          && sans.stream().anyMatch(san -> san.get(1).equals("urn:concierge:node:" + nodeId));
    } catch (CertificateParsingException e) {
      return false;
    }
  }

  /** Whether the certificate is still valid at {@code now}. */
  public boolean validAt(Instant now) {
    return now.isBefore(notAfter());
  }

  /** The chain as an array, as key managers return it. */
  X509Certificate[] chainArray() {
    return chain.toArray(X509Certificate[]::new);
  }

  /** A new EC P-256 key pair. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has EC P-256", e);
    }
  }

  /** A PKCS#10 request (DER) for this node id, signed by the pair's private key. */
  public static byte[] csr(KeyPair pair, String nodeId) {
    try {
      return new JcaPKCS10CertificationRequestBuilder(
              new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, nodeId).build(),
              pair.getPublic())
          .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()))
          .getEncoded();
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a certificate signing request", e);
    }
  }

  static List<X509Certificate> parseChain(String pem) {
    try {
      CertificateFactory f = CertificateFactory.getInstance("X.509");
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c :
          f.generateCertificates(
              new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new IOException("no certificate in it");
      }
      return out;
    } catch (GeneralSecurityException | IOException e) {
      throw new UncheckedIOException(
          new IOException("not a PEM certificate chain: " + e.getMessage(), e));
    }
  }

  @Override
  public String toString() {
    // Never the key.
    return "NodeIdentity[" + nodeId + ", valid until " + notAfter() + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeIdentity other
        && nodeId.equals(other.nodeId)
        && Arrays.equals(key.getEncoded(), other.key.getEncoded())
        && chain.equals(other.chain);
  }

  @Override
  public int hashCode() {
    return nodeId.hashCode() * 31 + chain.hashCode();
  }
}
