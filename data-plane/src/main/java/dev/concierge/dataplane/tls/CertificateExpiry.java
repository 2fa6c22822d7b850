package dev.concierge.dataplane.tls;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ServedCertificateStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The node's view of its certificates' expiry, for its reports and {@code /stats}: a certificate
 * counts as expiring from the control plane's warning window before its not_after. Read at report
 * time (seconds apart), never on the request path.
 */
public final class CertificateExpiry {
  /** The window when the snapshot carries none (a control plane older than the field). */
  public static final Duration DEFAULT_WARNING = Duration.ofDays(14);

  private CertificateExpiry() {}

  /**
   * Every certificate of {@code index}, soonest not_after first.
   *
   * @param warning the snapshot's certificate_expiry_warning; the default when unset or zero
   */
  public static List<ServedCertificateStatus> statuses(
      CertificateIndex index, com.google.protobuf.Duration warning, Instant now) {
    Duration window =
        warning.getSeconds() == 0 && warning.getNanos() == 0
            ? DEFAULT_WARNING
            : ProtoTime.duration(warning);
    List<ServedCertificate> served = new ArrayList<>(index.all());
    served.sort(Comparator.comparing(ServedCertificate::notAfter));
    List<ServedCertificateStatus> statuses = new ArrayList<>(served.size());
    for (ServedCertificate certificate : served) {
      Instant notAfter = certificate.notAfter();
      statuses.add(
          ServedCertificateStatus.newBuilder()
              .setCertificate(certificate.name())
              .setNotAfter(ProtoTime.timestamp(notAfter))
              .setDaysLeft(Math.floorDiv(Duration.between(now, notAfter).toSeconds(), 86_400L))
              .setExpiring(!notAfter.isAfter(now.plus(window)))
              .build());
    }
    return statuses;
  }
}
