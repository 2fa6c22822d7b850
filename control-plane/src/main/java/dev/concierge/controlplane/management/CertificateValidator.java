package dev.concierge.controlplane.management;

import dev.concierge.api.rules.FieldChecks;
import dev.concierge.api.v1.Certificate;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.crypto.PemCertificates;
import java.util.Optional;

/**
 * Checks a certificate's description, chain and key, recording each violation with its field path.
 */
public final class CertificateValidator {
  private CertificateValidator() {}

  /** Records violations of the description. */
  public static void validateDescription(
      Certificate certificate, String prefix, FieldViolations violations) {
    FieldChecks.description(certificate.getDescription(), prefix + ".description", violations::add);
  }

  /** Parses chain and key; empty (with violations recorded) unless both parse and match. */
  public static Optional<ParsedCertificate> validateKeyPair(
      Certificate certificate, String prefix, FieldViolations violations) {
    boolean ok = true;
    if (certificate.getCertificateChain().isBlank()) {
      violations.add(prefix + ".certificate_chain", "a PEM certificate chain is required");
      ok = false;
    } else {
      try {
        PemCertificates.parseChain(certificate.getCertificateChain());
      } catch (IllegalArgumentException e) {
        violations.add(prefix + ".certificate_chain", String.valueOf(e.getMessage()));
        ok = false;
      }
    }
    if (certificate.getPrivateKey().isBlank()) {
      violations.add(prefix + ".private_key", "a PEM private key is required");
      ok = false;
    } else {
      try {
        PemCertificates.parsePrivateKey(certificate.getPrivateKey());
      } catch (IllegalArgumentException e) {
        violations.add(prefix + ".private_key", String.valueOf(e.getMessage()));
        ok = false;
      }
    }
    if (!ok) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          PemCertificates.parse(certificate.getCertificateChain(), certificate.getPrivateKey()));
    } catch (IllegalArgumentException e) {
      violations.add(prefix + ".private_key", String.valueOf(e.getMessage()));
      return Optional.empty();
    }
  }
}
