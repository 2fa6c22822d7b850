package dev.concierge.controlplane.acme;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.AcmeChallenge;
import dev.concierge.api.v1.AcmeStatus;
import dev.concierge.api.v1.Certificate;
import dev.concierge.controlplane.crypto.CertificateProblem;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.crypto.PemCertificates;
import dev.concierge.controlplane.store.AuditRecord;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.Page;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.Stored;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Orders every ACME-managed certificate that is due: never issued, asked to renew, close to expiry
 * (30 days before not_after, or the last third of a shorter lifetime), or failed and past its retry
 * time (backoff 1 min doubling to 6 h). An order's result is written to the certificate like any
 * other write, so the normal snapshot push and hot rotation deliver it; its status and failures are
 * on the resource ({@code acme_status}) and in the audit log.
 *
 * <p>Control planes sharing a database do not order the same certificate twice: one claims it by
 * writing state ORDERING under the etag it read (compare-and-set on the certificate row); a claim
 * older than {@link #ORDER_LEASE} counts as abandoned. {@link #runDue} runs on the caller's thread
 * ({@link #start} gives it one); thread-safe.
 */
public final class AcmeRenewals implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AcmeRenewals.class);

  /** How long before not_after a certificate is renewed. */
  public static final Duration RENEW_BEFORE = Duration.ofDays(30);

  /** How long an ORDERING claim holds before another control plane may take the order over. */
  public static final Duration ORDER_LEASE = Duration.ofMinutes(10);

  static final Duration FIRST_RETRY = Duration.ofMinutes(1);
  static final Duration MAX_RETRY = Duration.ofHours(6);

  /** The audit log's and the history's name for this writer. */
  public static final String ACTOR = "acme";

  private static final String AUDIT_RPC = "acme/Order";
  private static final int WRITE_ATTEMPTS = 5;

  private final ConfigStore store;
  private final KeyCipher cipher;
  private final Clock clock;
  private final CertificateIssuer issuer;
  private final RevisionWait nodes;
  private final Consumer<AuditRecord> audit;
  private final AtomicBoolean wakeQueued = new AtomicBoolean();

  @GuardedBy("this")
  private @Nullable ScheduledExecutorService executor;

  /**
   * @param nodes waits until the connected nodes serve a revision (that carries challenges)
   * @param audit records each order's outcome
   */
  public AcmeRenewals(
      ConfigStore store,
      KeyCipher cipher,
      Clock clock,
      CertificateIssuer issuer,
      RevisionWait nodes,
      Consumer<AuditRecord> audit) {
    this.store = requireNonNull(store, "store");
    this.cipher = requireNonNull(cipher, "cipher");
    this.clock = requireNonNull(clock, "clock");
    this.issuer = requireNonNull(issuer, "issuer");
    this.nodes = requireNonNull(nodes, "nodes");
    this.audit = requireNonNull(audit, "audit");
  }

  /** Waits until the connected nodes serve at least a revision, or a bounded time. */
  @FunctionalInterface
  public interface RevisionWait {
    void await(long revision) throws InterruptedException;
  }

  /**
   * Runs {@link #runDue} every {@code interval} and on each {@link #wake}, on a thread of its own.
   */
  public synchronized AcmeRenewals start(Duration interval) {
    if (executor != null) {
      throw new IllegalStateException("already started");
    }
    ScheduledExecutorService e =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "concierge-acme");
              t.setDaemon(true);
              return t;
            });
    executor = e;
    long millis = interval.toMillis();
    var unused = e.scheduleWithFixedDelay(this::runQuietly, 0, millis, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Runs the due orders soon (a certificate was added or asked to renew). */
  public void wake() {
    ScheduledExecutorService e;
    synchronized (this) {
      e = executor;
    }
    if (e == null || !wakeQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      e.execute(this::runQuietly);
    } catch (RejectedExecutionException closed) {
      wakeQueued.set(false);
    }
  }

  private void runQuietly() {
    wakeQueued.set(false);
    try {
      runDue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.warn("ACME renewal run failed; trying again at the next one", e);
    }
  }

  /**
   * Orders, one after the other, every certificate due now; returns the names of those this control
   * plane claimed (whatever the outcome).
   */
  public List<String> runDue() throws InterruptedException {
    List<String> ordered = new ArrayList<>();
    String pageToken = "";
    List<Certificate> managed = new ArrayList<>();
    do {
      Page<Certificate> page = store.list(ResourceTable.CERTIFICATES, Page.MAX_SIZE, pageToken);
      for (Certificate c : page.items()) {
        if (c.hasAcme()) {
          managed.add(c);
        }
      }
      pageToken = page.nextPageToken();
    } while (!pageToken.isEmpty());
    for (Certificate c : managed) {
      if (due(c, clock.instant()) && order(c.getName())) {
        ordered.add(c.getName());
      }
    }
    return ordered;
  }

  /**
   * Marks an ACME-managed certificate for an order now and wakes the scheduler; an order already
   * running is left to finish (it is the renewal).
   *
   * @throws StoreException NOT_FOUND when there is no such certificate
   */
  public Certificate requestRenewal(String name) {
    Certificate renewed =
        write(
            name,
            c -> {
              AcmeStatus s = c.getAcmeStatus();
              if (s.getState() == AcmeStatus.State.ORDERING && !leaseExpired(s, clock.instant())) {
                return null;
              }
              return c.toBuilder()
                  .setAcmeStatus(
                      s.toBuilder().setState(AcmeStatus.State.PENDING).clearNextRenewalTime())
                  .build();
            },
            null);
    wake();
    return renewed;
  }

  /** Whether an order of the certificate is due at {@code now}. */
  static boolean due(Certificate c, Instant now) {
    if (!c.hasAcme()) {
      return false;
    }
    AcmeStatus s = c.getAcmeStatus();
    if (s.getState() == AcmeStatus.State.ORDERING) {
      return leaseExpired(s, now);
    }
    return !s.hasNextRenewalTime() || !ProtoTime.instant(s.getNextRenewalTime()).isAfter(now);
  }

  private static boolean leaseExpired(AcmeStatus s, Instant now) {
    return !s.hasLastAttemptTime()
        || !ProtoTime.instant(s.getLastAttemptTime()).plus(ORDER_LEASE).isAfter(now);
  }

  /**
   * When a certificate valid from notBefore to notAfter is renewed: {@link #RENEW_BEFORE} before
   * its end, or at two thirds of a lifetime shorter than three times that.
   */
  static Instant renewalTime(Instant notBefore, Instant notAfter) {
    Duration lifetime = Duration.between(notBefore, notAfter);
    Duration before =
        RENEW_BEFORE.compareTo(lifetime.dividedBy(3)) < 0 ? RENEW_BEFORE : lifetime.dividedBy(3);
    return notAfter.minus(before);
  }

  /** The wait after the given number of failures in a row (at least 1). */
  static Duration backoff(int failures) {
    int doublings = Math.min(Math.max(failures, 1) - 1, 20);
    Duration wait = FIRST_RETRY.multipliedBy(1L << doublings);
    return wait.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : wait;
  }

  /** Claims, orders and records one certificate; false when another writer got it first. */
  private boolean order(String name) throws InterruptedException {
    Optional<Stored<Certificate>> read = store.getStored(ResourceTable.CERTIFICATES, name);
    if (read.isEmpty() || !due(read.get().resource(), clock.instant())) {
      return false;
    }
    Stored<Certificate> stored = read.get();
    Certificate current = stored.resource();
    Instant started = clock.instant();
    Certificate claim =
        current.toBuilder()
            .setAcmeStatus(
                current.getAcmeStatus().toBuilder()
                    .setState(AcmeStatus.State.ORDERING)
                    .setLastAttemptTime(ProtoTime.timestamp(started)))
            .build();
    try {
      store.update(
          ResourceTable.CERTIFICATES,
          new Stored<>(claim, stored.sealed()),
          current.getEtag(),
          ACTOR);
    } catch (StoreException e) {
      if (e.reason() == StoreException.Reason.ETAG_MISMATCH
          || e.reason() == StoreException.Reason.NOT_FOUND) {
        return false; // another control plane (or a user) wrote it first; the next run looks again
      }
      throw e;
    }
    List<String> names = List.copyOf(current.getAcme().getNamesList());
    CertificateIssuer.Issued issued;
    try {
      issued = issuer.issue(names, challenges -> publish(name, challenges));
      recordIssued(name, issued);
    } catch (AcmeFailure | RuntimeException e) {
      recordFailure(name, names, e);
    }
    return true;
  }

  private void publish(String name, List<AcmeChallenge> challenges) throws InterruptedException {
    Certificate written =
        write(
            name,
            c -> c.toBuilder().clearAcmeChallenges().addAllAcmeChallenges(challenges).build(),
            null);
    long revision = Long.parseLong(written.getEtag());
    nodes.await(revision);
  }

  private void recordIssued(String name, CertificateIssuer.Issued issued) {
    ParsedCertificate parsed;
    try {
      parsed = PemCertificates.parse(issued.chainPem(), issued.keyPem());
    } catch (CertificateProblem e) {
      throw new IllegalStateException(
          "the ACME server's certificate is unusable: " + e.getMessage(), e);
    }
    String sealed = cipher.encrypt(PemCertificates.storableKey(issued.keyPem(), ""), name);
    Instant next = renewalTime(parsed.notBefore(), parsed.notAfter());
    write(
        name,
        c ->
            parsed
                .describe(c.toBuilder().setCertificateChain(issued.chainPem()))
                .clearAcmeChallenges()
                .setAcmeStatus(
                    c.getAcmeStatus().toBuilder()
                        .setState(AcmeStatus.State.ISSUED)
                        .setLastError("")
                        .setFailures(0)
                        .setNextRenewalTime(ProtoTime.timestamp(next)))
                .build(),
        sealed);
    log.info(
        "ACME: {} issued (serial {}, not after {}); next renewal {}",
        name,
        parsed.serialNumber(),
        parsed.notAfter(),
        next);
    audit(name, "OK", "issued serial " + parsed.serialNumber() + " for " + parsed.dnsNames());
  }

  private void recordFailure(String name, List<String> names, Exception e) {
    String error = e instanceof AcmeFailure ? String.valueOf(e.getMessage()) : e.toString();
    Instant now = clock.instant();
    try {
      write(
          name,
          c -> {
            int failures = c.getAcmeStatus().getFailures() + 1;
            return c.toBuilder()
                .clearAcmeChallenges()
                .setAcmeStatus(
                    c.getAcmeStatus().toBuilder()
                        .setState(AcmeStatus.State.FAILED)
                        .setLastError(error)
                        .setFailures(failures)
                        .setNextRenewalTime(ProtoTime.timestamp(now.plus(backoff(failures)))))
                .build();
          },
          null);
    } catch (StoreException stored) {
      log.warn("ACME: cannot record the failure of {}: {}", name, stored.getMessage());
    }
    log.warn("ACME: ordering {} for {} failed: {}", name, names, error);
    audit(name, "FAILED", error);
  }

  private void audit(String name, String code, String detail) {
    try {
      audit.accept(new AuditRecord(clock.instant(), ACTOR, "", AUDIT_RPC, name, code, detail));
    } catch (RuntimeException e) {
      log.warn("ACME: audit record for {} not written: {}", name, e.toString());
    }
  }

  /**
   * Writes a change to the newest stored version, again on a concurrent write; the change returns
   * null to write nothing.
   *
   * @param sealed the new sealed key, or null to keep the stored one
   * @return the certificate as stored after the write (or as read, when nothing was written)
   */
  private Certificate write(
      String name, Function<Certificate, @Nullable Certificate> change, @Nullable String sealed) {
    for (int attempt = 1; ; attempt++) {
      Stored<Certificate> stored =
          store
              .getStored(ResourceTable.CERTIFICATES, name)
              .orElseThrow(() -> StoreException.notFound(ResourceTable.CERTIFICATES.kind(), name));
      Certificate changed = change.apply(stored.resource());
      if (changed == null) {
        return stored.resource();
      }
      try {
        return store.update(
            ResourceTable.CERTIFICATES,
            new Stored<>(changed, sealed != null ? sealed : stored.sealed()),
            stored.resource().getEtag(),
            ACTOR);
      } catch (StoreException e) {
        if (e.reason() != StoreException.Reason.ETAG_MISMATCH || attempt == WRITE_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    ScheduledExecutorService e;
    synchronized (this) {
      e = executor;
      executor = null;
    }
    if (e == null) {
      return;
    }
    // Not interrupted at once: H2 closes its file when a thread is interrupted inside file I/O.
    // An order still running after the grace is; its claim lapses after ORDER_LEASE at the latest.
    e.shutdown();
    try {
      if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
        e.shutdownNow();
        e.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException ex) {
      e.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
