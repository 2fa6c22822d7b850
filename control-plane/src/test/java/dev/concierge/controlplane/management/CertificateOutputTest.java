package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateOutputTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private final List<Long> asked = new ArrayList<>();
  private final CertificateOutput output =
      new CertificateOutput(
          Clock.fixed(NOW, ZoneOffset.UTC),
          Duration.ofDays(14),
          revision -> {
            asked.add(revision);
            return revision <= 7 ? List.of("edge-1", "edge-2") : List.of();
          });

  private static Certificate stored(String etag, Instant notAfter) {
    return Certificate.newBuilder()
        .setName("certificates/c")
        .setEtag(etag)
        .setNotAfter(ProtoTime.timestamp(notAfter))
        .setPrivateKey("secret")
        .setPrivateKeyPassphrase("secret too")
        .build();
  }

  @Test
  void servingNodesAreThoseThatAckedTheRevisionOfTheLastWrite() {
    assertThat(output.of(stored("7", NOW.plus(Duration.ofDays(30)))).getServingNodesList())
        .containsExactly("edge-1", "edge-2");
    assertThat(output.of(stored("8", NOW.plus(Duration.ofDays(30)))).getServingNodesList())
        .isEmpty();
    assertThat(asked).containsExactly(7L, 8L);
    // Not stored yet (validate_only): no revision, no nodes.
    assertThat(output.of(stored("", NOW.plus(Duration.ofDays(30)))).getServingNodesList())
        .isEmpty();
  }

  @Test
  void expiringWithinTheWindowOrAlreadyExpired() {
    assertThat(output.of(stored("1", NOW.plus(Duration.ofDays(14)))).getExpiring()).isTrue();
    assertThat(output.of(stored("1", NOW.plus(Duration.ofDays(14)).plusSeconds(1))).getExpiring())
        .isFalse();
    assertThat(output.of(stored("1", NOW.minusSeconds(1))).getExpiring()).isTrue();
  }

  @Test
  void neverReturnsKeyOrPassphrase() {
    Certificate out = output.of(stored("1", NOW));
    assertThat(out.getPrivateKey()).isEmpty();
    assertThat(out.getPrivateKeyPassphrase()).isEmpty();
  }
}
