package dev.concierge.controlplane.audit;

import static java.util.Objects.requireNonNull;

import dev.concierge.controlplane.store.JdbcAuditLog;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes audit events older than the retention: once when started, then every {@link #PERIOD} on a
 * thread of its own until closed. Thread-safe.
 */
public final class AuditRetention implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AuditRetention.class);

  /** How often old events are deleted after the first time. */
  public static final Duration PERIOD = Duration.ofHours(1);

  private final JdbcAuditLog auditLog;
  private final Duration retention;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;

  private AuditRetention(JdbcAuditLog auditLog, Duration retention, Clock clock) {
    this.auditLog = auditLog;
    this.retention = retention;
    this.clock = clock;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "audit-retention");
              t.setDaemon(true);
              return t;
            });
  }

  /** Deletes what is too old now, then schedules the hourly deletion. */
  public static AuditRetention start(JdbcAuditLog auditLog, Duration retention, Clock clock) {
    requireNonNull(auditLog, "auditLog");
    requireNonNull(retention, "retention");
    requireNonNull(clock, "clock");
    AuditRetention r = new AuditRetention(auditLog, retention, clock);
    r.deleteExpired();
    long period = PERIOD.toMillis();
    // deleteSafely catches everything, so the future never holds an exception worth reading.
    var unused =
        r.scheduler.scheduleWithFixedDelay(r::deleteSafely, period, period, TimeUnit.MILLISECONDS);
    return r;
  }

  /** Deletes the events older than the retention as of the clock's now; returns how many. */
  public int deleteExpired() {
    int deleted = auditLog.deleteBefore(clock.instant().minus(retention));
    if (deleted > 0) {
      log.info("deleted {} audit events older than {}", deleted, retention);
    }
    return deleted;
  }

  private void deleteSafely() {
    try {
      deleteExpired();
    } catch (RuntimeException e) {
      // The next run tries again; a failed one must not end the schedule.
      log.warn("cannot delete old audit events: {}", e.toString());
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
