package dev.concierge.controlplane.crypto;

import static java.util.Objects.requireNonNull;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** A checked certificate chain and what the API derives from its leaf. */
public record ParsedCertificate(
    List<X509Certificate> chain,
    List<String> dnsNames,
    Instant notBefore,
    Instant notAfter,
    String fingerprintSha256) {
  public ParsedCertificate {
    chain = List.copyOf(chain);
    dnsNames = List.copyOf(dnsNames);
    requireNonNull(notBefore, "notBefore");
    requireNonNull(notAfter, "notAfter");
    requireNonNull(fingerprintSha256, "fingerprintSha256");
  }
}
