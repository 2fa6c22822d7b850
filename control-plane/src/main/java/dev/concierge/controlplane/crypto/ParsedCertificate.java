package dev.concierge.controlplane.crypto;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A checked certificate chain and what the API derives from its leaf.
 *
 * @param issuer the leaf's issuer, RFC 2253
 * @param keyType the leaf key's type and size, e.g. "RSA 2048", "EC P-256", "Ed25519"
 * @param serialNumber the leaf's serial number, lower-case hex
 */
public record ParsedCertificate(
    List<X509Certificate> chain,
    List<String> dnsNames,
    Instant notBefore,
    Instant notAfter,
    String fingerprintSha256,
    String issuer,
    String keyType,
    String serialNumber) {
  public ParsedCertificate {
    chain = List.copyOf(chain);
    dnsNames = List.copyOf(dnsNames);
    requireNonNull(notBefore, "notBefore");
    requireNonNull(notAfter, "notAfter");
    requireNonNull(fingerprintSha256, "fingerprintSha256");
    requireNonNull(issuer, "issuer");
    requireNonNull(keyType, "keyType");
    requireNonNull(serialNumber, "serialNumber");
  }

  /** Sets the certificate fields the API derives from the chain. */
  public Certificate.Builder describe(Certificate.Builder spec) {
    return spec.clearDnsNames()
        .addAllDnsNames(dnsNames)
        .setNotBefore(ProtoTime.timestamp(notBefore))
        .setNotAfter(ProtoTime.timestamp(notAfter))
        .setFingerprintSha256(fingerprintSha256)
        .setIssuer(issuer)
        .setKeyType(keyType)
        .setSerialNumber(serialNumber);
  }
}
