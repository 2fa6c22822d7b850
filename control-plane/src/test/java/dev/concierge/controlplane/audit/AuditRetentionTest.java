package dev.concierge.controlplane.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.controlplane.MovableClock;
import dev.concierge.controlplane.store.AuditRecord;
import dev.concierge.controlplane.store.JdbcAuditLog;
import dev.concierge.controlplane.store.JdbcConfigStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditRetentionTest {
  private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");

  @TempDir Path dir;

  private static AuditRecord at(Instant t, String resource) {
    return new AuditRecord(
        t, "admin", "", "concierge.v1.ManagementService/DeleteRoute", resource, "OK", "");
  }

  @Test
  void deletesAtStartAndWhenEventsAgePastTheRetention() {
    MovableClock clock = new MovableClock(T0);
    try (JdbcConfigStore store = JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), clock)) {
      JdbcAuditLog log = new JdbcAuditLog(store.dataSource());
      log.record(at(T0.minus(Duration.ofDays(91)), "too-old"));
      log.record(at(T0.minus(Duration.ofDays(89)), "young"));
      log.record(at(T0, "now"));

      try (AuditRetention retention = AuditRetention.start(log, Duration.ofDays(90), clock)) {
        assertThat(resources(log)).containsExactly("now", "young");

        clock.set(T0.plus(Duration.ofDays(2)));
        assertThat(retention.deleteExpired()).isEqualTo(1);
        assertThat(resources(log)).containsExactly("now");
      }
    }
  }

  private static java.util.List<String> resources(JdbcAuditLog log) {
    return log.list(Instant.EPOCH, 0, "").items().stream().map(AuditRecord::resource).toList();
  }
}
