package dev.concierge.controlplane.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FleetCaTest {
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path dir;

  private static Clock at(Instant t) {
    return Clock.fixed(t, ZoneOffset.UTC);
  }

  @Test
  void createsAnOwnerOnlyP256CaForTenYearsAndReadsItBack() throws Exception {
    FleetCa ca = FleetCa.loadOrCreate(dir, at(T0));

    X509Certificate cert = ca.certificate();
    assertThat(cert.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(cert.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(cert.getNotAfter().toInstant()).isAfter(T0.plus(Duration.ofDays(3649)));
    cert.verify(cert.getPublicKey());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
        .isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("ca.crt"))).doesNotContain("PRIVATE");
    assertThat(FleetCa.loadOrCreate(dir, at(T0)).certificate()).isEqualTo(cert);
  }

  @Test
  void refusesHalfACa() throws Exception {
    FleetCa.loadOrCreate(dir, at(T0));
    Files.delete(dir.resolve("ca.key"));

    assertThatThrownBy(() -> FleetCa.loadOrCreate(dir, at(T0)))
        .hasMessageContaining("the fleet CA is half there")
        .hasMessageContaining("ca.key is missing");
  }

  @Test
  void issuesTheServerCertificateForItsNamesAndAgainOnlyWhenTheyChangeOrItNearsExpiry()
      throws Exception {
    FleetCa ca = FleetCa.loadOrCreate(dir, at(T0));
    FleetCa.ServerFiles files = ca.serverCertificate(List.of("127.0.0.1", "::1", "LocalHost"));
    X509Certificate first = FleetCa.readCertificate(files.certificateChain());

    first.verify(ca.certificate().getPublicKey());
    assertThat(FleetCa.names(first)).isEqualTo(Set.of("127.0.0.1", "::1", "localhost"));
    assertThat(first.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.privateKey())))
        .isEqualTo("rw-------");

    // Same names, same CA, far from expiry: kept.
    ca.serverCertificate(List.of("localhost", "[::1]", "127.0.0.1"));
    assertThat(FleetCa.readCertificate(files.certificateChain())).isEqualTo(first);

    // A new advertised name: issued again.
    ca.serverCertificate(List.of("127.0.0.1", "::1", "localhost", "cp.example.test"));
    X509Certificate renamed = FleetCa.readCertificate(files.certificateChain());
    assertThat(renamed).isNotEqualTo(first);
    assertThat(FleetCa.names(renamed)).contains("cp.example.test");

    // Less than 30 days left: issued again.
    Instant late = renamed.getNotAfter().toInstant().minus(Duration.ofDays(29));
    FleetCa.loadOrCreate(dir, at(late))
        .serverCertificate(List.of("127.0.0.1", "::1", "localhost", "cp.example.test"));
    assertThat(FleetCa.readCertificate(files.certificateChain()).getNotAfter().toInstant())
        .isAfter(late.plus(Duration.ofDays(300)));
  }

  @Test
  void issuesAgainWhenTheCaChanged() throws Exception {
    FleetCa.ServerFiles files = FleetCa.loadOrCreate(dir, at(T0)).serverCertificate(List.of("a"));
    X509Certificate first = FleetCa.readCertificate(files.certificateChain());
    Files.delete(dir.resolve("ca.key"));
    Files.delete(dir.resolve("ca.crt"));

    FleetCa other = FleetCa.loadOrCreate(dir, at(T0));
    other.serverCertificate(List.of("a"));

    X509Certificate second = FleetCa.readCertificate(files.certificateChain());
    assertThat(second).isNotEqualTo(first);
    second.verify(other.certificate().getPublicKey());
  }
}
