package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Certificate;
import dev.concierge.controlplane.crypto.CertificateProblem;
import dev.concierge.controlplane.crypto.PemCertificates;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongFunction;

/**
 * The output fields of a certificate that depend on when and where it is read: {@code expiring}
 * (against the warning window and the clock) and {@code serving_nodes} (against the fleet). Also
 * fills the fields derived from the chain for rows stored before they existed, and strips anything
 * secret. Thread-safe.
 */
final class CertificateOutput {
  private final Clock clock;
  private final Duration expiryWarning;
  private final LongFunction<List<String>> servingAtLeast;

  /**
   * @param expiryWarning how long before not_after a certificate counts as expiring
   * @param servingAtLeast the ids of the connected nodes that have ACKed at least this revision
   */
  CertificateOutput(
      Clock clock, Duration expiryWarning, LongFunction<List<String>> servingAtLeast) {
    this.clock = requireNonNull(clock, "clock");
    this.expiryWarning = requireNonNull(expiryWarning, "expiryWarning");
    this.servingAtLeast = requireNonNull(servingAtLeast, "servingAtLeast");
  }

  /** The certificate as the API returns it. */
  Certificate of(Certificate stored) {
    Certificate.Builder out =
        stored.toBuilder()
            .clearPrivateKey()
            .clearPrivateKeyPassphrase()
            .clearServingNodes()
            .clearExpiring()
            .clearAcmeChallenges();
    if (out.getIssuer().isEmpty() && !out.getCertificateChain().isBlank()) {
      try {
        ResourceTypes.derived(
            out, PemCertificates.describe(PemCertificates.parseChain(out.getCertificateChain())));
      } catch (CertificateProblem e) {
        // Stored before these checks existed; its other fields are still right.
      }
    }
    if (out.hasNotAfter()) {
      Instant notAfter = ProtoTime.instant(out.getNotAfter());
      out.setExpiring(!notAfter.isAfter(clock.instant().plus(expiryWarning)));
    }
    // The etag is the revision of the certificate's last write: a node that ACKed that revision
    // or a later one holds this version of it.
    long written = parseRevision(out.getEtag());
    if (written > 0) {
      out.addAllServingNodes(servingAtLeast.apply(written));
    }
    return out.build();
  }

  private static long parseRevision(String etag) {
    try {
      return etag.isEmpty() ? 0 : Long.parseLong(etag);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
