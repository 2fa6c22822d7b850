package dev.concierge.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.ServedCertificateStatus;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateExpiryTest {
  private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

  private static ServedCertificate cert(String id, Instant notAfter) throws Exception {
    PrivateKey key = KeyPairGenerator.getInstance("EC").generateKeyPair().getPrivate();
    return new ServedCertificate(
        "certificates/" + id + "#fp",
        "certificates/" + id,
        List.of(TestCertificates.selfSigned(id + ".test")),
        key,
        "EC",
        List.of(id + ".test"),
        notAfter,
        false);
  }

  @Test
  void flagsCertificatesWithinTheWindowSoonestFirst() throws Exception {
    CertificateIndex index =
        CertificateIndex.of(
            List.of(
                cert("far", NOW.plus(Duration.ofDays(90))),
                cert("soon", NOW.plus(Duration.ofDays(5)).plusSeconds(60)),
                cert("edge", NOW.plus(Duration.ofDays(10))),
                cert("gone", NOW.minus(Duration.ofHours(1)))));

    List<ServedCertificateStatus> statuses =
        CertificateExpiry.statuses(index, Durations.fromDays(10), NOW);

    assertThat(statuses)
        .extracting(ServedCertificateStatus::getCertificate)
        .containsExactly(
            "certificates/gone", "certificates/soon", "certificates/edge", "certificates/far");
    assertThat(statuses)
        .extracting(ServedCertificateStatus::getDaysLeft)
        .containsExactly(-1L, 5L, 10L, 90L);
    assertThat(statuses)
        .extracting(ServedCertificateStatus::getExpiring)
        .containsExactly(true, true, true, false);
    assertThat(statuses.get(3).getNotAfter().getSeconds())
        .isEqualTo(NOW.plus(Duration.ofDays(90)).getEpochSecond());
  }

  @Test
  void anUnsetWindowMeansFourteenDays() throws Exception {
    CertificateIndex index =
        CertificateIndex.of(
            List.of(
                cert("in", NOW.plus(Duration.ofDays(13))),
                cert("out", NOW.plus(Duration.ofDays(15)))));

    assertThat(
            CertificateExpiry.statuses(
                index, com.google.protobuf.Duration.getDefaultInstance(), NOW))
        .extracting(ServedCertificateStatus::getExpiring)
        .containsExactly(true, false);
  }
}
