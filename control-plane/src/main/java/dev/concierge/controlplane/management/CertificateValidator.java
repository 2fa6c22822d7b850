package dev.concierge.controlplane.management;

import dev.concierge.api.rules.AcmeNames;
import dev.concierge.api.rules.FieldChecks;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ClientAuthentication;
import dev.concierge.controlplane.crypto.CertificateProblem;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.crypto.PemCertificates;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a certificate's description, chain, key, default flag and client authentication, recording
 * each violation with its field path. No description ever holds key material or the passphrase.
 */
public final class CertificateValidator {
  private CertificateValidator() {}

  /** Records violations of the description. */
  public static void validateDescription(
      Certificate certificate, String prefix, FieldViolations violations) {
    FieldChecks.description(certificate.getDescription(), prefix + ".description", violations::add);
  }

  /**
   * Parses and checks chain and key (order, signatures, validity at {@code now}, key match,
   * passphrase, a usable name); empty (with violations recorded) unless all of it holds.
   */
  public static Optional<ParsedCertificate> validateKeyPair(
      Certificate certificate, String prefix, Instant now, FieldViolations violations) {
    boolean ok = true;
    if (certificate.getCertificateChain().isBlank()) {
      violations.add(prefix + ".certificate_chain", "a PEM certificate chain is required");
      ok = false;
    } else {
      try {
        List<X509Certificate> chain = PemCertificates.parseChain(certificate.getCertificateChain());
        PemCertificates.checkOrder(chain);
        PemCertificates.checkValidity(chain, now);
      } catch (CertificateProblem e) {
        violations.add(prefix + "." + e.field(), String.valueOf(e.getMessage()));
        ok = false;
      }
    }
    if (certificate.getPrivateKey().isBlank()) {
      violations.add(prefix + ".private_key", "a PEM private key is required");
      ok = false;
    } else {
      try {
        PemCertificates.parsePrivateKey(
            certificate.getPrivateKey(), certificate.getPrivateKeyPassphrase());
      } catch (CertificateProblem e) {
        violations.add(prefix + "." + e.field(), String.valueOf(e.getMessage()));
        ok = false;
      }
    }
    if (!ok) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          PemCertificates.parse(
              certificate.getCertificateChain(),
              certificate.getPrivateKey(),
              certificate.getPrivateKeyPassphrase()));
    } catch (CertificateProblem e) {
      violations.add(prefix + "." + e.field(), String.valueOf(e.getMessage()));
      return Optional.empty();
    }
  }

  /** A passphrase only comes with the key it decrypts. */
  public static void validatePassphraseWithKey(
      Certificate certificate, String prefix, FieldViolations violations) {
    if (!certificate.getPrivateKeyPassphrase().isEmpty() && certificate.getPrivateKey().isEmpty()) {
      violations.add(
          prefix + ".private_key_passphrase",
          "private_key_passphrase is only used to decrypt a private_key given with it");
    }
  }

  /**
   * At most one certificate is the default.
   *
   * @param otherDefault the certificate that already is the default, if another one is
   */
  public static void validateDefault(
      Certificate certificate,
      String prefix,
      Optional<String> otherDefault,
      FieldViolations violations) {
    if (certificate.getDefaultCertificate() && otherDefault.isPresent()) {
      violations.add(prefix + ".default_certificate", alreadyDefault(otherDefault.get()));
    }
  }

  static String alreadyDefault(String current) {
    return current
        + " is already the default certificate and at most one may be; clear it first"
        + " (concierge cert update "
        + current.substring(current.indexOf('/') + 1)
        + " --no-default)";
  }

  /** The client-authentication settings, when set: a mode and a CA bundle of certificates. */
  public static void validateClientAuthentication(
      Certificate certificate, String prefix, FieldViolations violations) {
    if (!certificate.hasClientAuthentication()) {
      return;
    }
    ClientAuthentication auth = certificate.getClientAuthentication();
    String path = prefix + ".client_authentication";
    if (auth.getMode() != ClientAuthentication.Mode.OPTIONAL
        && auth.getMode() != ClientAuthentication.Mode.REQUIRED) {
      violations.add(path + ".mode", "mode is required: OPTIONAL or REQUIRED");
    }
    if (auth.getCaBundle().isBlank()) {
      violations.add(path + ".ca_bundle", "a PEM bundle of CA certificates is required");
    } else {
      try {
        List<X509Certificate> authorities = PemCertificates.parseChain(auth.getCaBundle());
        for (int i = 0; i < authorities.size(); i++) {
          X509Certificate authority = authorities.get(i);
          // A v3 certificate says whether it is a CA; a v1 one (old roots) cannot.
          if (authority.getVersion() >= 3 && authority.getBasicConstraints() < 0) {
            violations.add(
                path + ".ca_bundle",
                "ca_bundle certificate "
                    + (i + 1)
                    + " ("
                    + authority.getSubjectX500Principal().getName()
                    + ") is not a CA certificate (its basicConstraints do not say CA:TRUE)");
          }
        }
      } catch (CertificateProblem e) {
        violations.add(
            path + ".ca_bundle",
            String.valueOf(e.getMessage()).replace("certificate_chain", "ca_bundle"));
      }
    }
  }

  /**
   * An ACME-managed certificate: names an HTTP-01 order can prove, no chain or key of its own, and
   * a control plane that knows an ACME server.
   *
   * @param chainWritten whether this write sets certificate_chain and private_key
   * @param acmeConfigured whether this control plane was started with an ACME directory
   */
  public static void validateAcme(
      Certificate certificate,
      String prefix,
      boolean chainWritten,
      boolean acmeConfigured,
      FieldViolations violations) {
    String path = prefix + ".acme";
    if (!acmeConfigured) {
      violations.add(
          path,
          "this control plane has no ACME server: start it with --acme-directory URL (and"
              + " --acme-email)");
    }
    List<String> names = certificate.getAcme().getNamesList();
    if (names.isEmpty()) {
      violations.add(path + ".names", "at least one DNS name is required");
    } else if (names.size() > AcmeNames.MAX_NAMES) {
      violations.add(path + ".names", "at most " + AcmeNames.MAX_NAMES + " names");
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      String problem = AcmeNames.problem(name);
      if (problem != null) {
        violations.add(path + ".names[" + i + "]", "\"" + name + "\" " + problem);
      } else if (!seen.add(name)) {
        violations.add(path + ".names[" + i + "]", "\"" + name + "\" is named twice");
      }
    }
    if (chainWritten
        && (!certificate.getCertificateChain().isBlank()
            || !certificate.getPrivateKey().isBlank())) {
      violations.add(
          prefix + ".certificate_chain",
          "an ACME-managed certificate gets its chain and key from the ACME server; give either"
              + " acme names or a certificate_chain and private_key, not both");
    }
  }
}
