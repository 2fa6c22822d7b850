package dev.concierge.controlplane.acme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.AcmeChallenge;
import dev.concierge.api.v1.AcmeManaged;
import dev.concierge.api.v1.AcmeStatus;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.controlplane.MovableClock;
import dev.concierge.controlplane.crypto.TestCertificates;
import dev.concierge.controlplane.snapshot.SnapshotBuilder;
import dev.concierge.controlplane.store.AuditRecord;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renewal scheduling on an injected clock, over a real store; the ACME server is a stand-in. */
class AcmeRenewalsTest {
  private static final Instant START = Instant.parse("2027-03-01T10:00:00Z");
  private static final KeyCipher CIPHER = KeyCipher.of(new byte[32]);
  private static final String NAME = "certificates/site";
  private static final String HOST = "site.example.test";

  @TempDir Path dir;
  private final MovableClock clock = new MovableClock(START);
  private final List<AuditRecord> audit = new CopyOnWriteArrayList<>();
  private final List<Long> awaited = new ArrayList<>();
  private final StandInIssuer issuer = new StandInIssuer();
  private JdbcConfigStore store;
  private AcmeRenewals renewals;

  @BeforeEach
  void setUp() {
    store = JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), clock);
    renewals = new AcmeRenewals(store, CIPHER, clock, issuer, awaited::add, audit::add);
    store.create(
        ResourceTable.CERTIFICATES,
        new Stored<>(
            Certificate.newBuilder()
                .setName(NAME)
                .setAcme(AcmeManaged.newBuilder().addNames(HOST))
                .setAcmeStatus(AcmeStatus.newBuilder().setState(AcmeStatus.State.PENDING))
                .build(),
            ""),
        "test");
  }

  @AfterEach
  void tearDown() {
    renewals.close();
    store.close();
  }

  @Test
  void ordersANewCertificateAndSchedulesItsRenewal30DaysBeforeNotAfter() throws Exception {
    assertThat(renewals.runDue()).containsExactly(NAME);

    Certificate issued = stored();
    assertThat(issuer.orders).containsExactly(List.of(HOST));
    assertThat(issued.getCertificateChain()).contains("BEGIN CERTIFICATE");
    assertThat(issued.getDnsNamesList()).containsExactly(HOST);
    assertThat(issued.getAcmeStatus().getState()).isEqualTo(AcmeStatus.State.ISSUED);
    assertThat(issued.getAcmeStatus().getLastAttemptTime()).isEqualTo(ProtoTime.timestamp(START));
    Instant renewal = issuer.notAfter.minus(Duration.ofDays(30));
    assertThat(ProtoTime.instant(issued.getAcmeStatus().getNextRenewalTime())).isEqualTo(renewal);
    assertThat(store.getStored(ResourceTable.CERTIFICATES, NAME).orElseThrow().sealed())
        .isNotEmpty();
    assertThat(audit)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.resource()).isEqualTo(NAME);
              assertThat(r.code()).isEqualTo("OK");
              assertThat(r.tokenName()).isEqualTo("acme");
            });

    clock.set(renewal.minusSeconds(1));
    assertThat(renewals.runDue()).isEmpty();
    clock.set(renewal);
    assertThat(renewals.runDue()).containsExactly(NAME);
    assertThat(issuer.orders).hasSize(2);
  }

  @Test
  void challengesReachTheSnapshotBeforeTheServerChecksAndLeaveItAfterwards() throws Exception {
    SnapshotBuilder snapshots = new SnapshotBuilder(store, CIPHER, clock);
    AcmeChallenge challenge =
        AcmeChallenge.newBuilder().setToken("tok_1").setKeyAuthorization("tok_1.thumb").build();
    List<ConfigSnapshot> seenByServer = new ArrayList<>();
    issuer.beforeCheck =
        publisher -> {
          publisher.publish(List.of(challenge));
          seenByServer.add(snapshots.build());
        };

    renewals.runDue();

    ConfigSnapshot during = seenByServer.get(0);
    assertThat(during.getAcmeChallengesList()).containsExactly(challenge);
    // Not issued yet: nothing to serve, and no node may be handed an empty chain.
    assertThat(during.getCertificatesList()).isEmpty();
    assertThat(awaited).containsExactly(during.getRevision());
    ConfigSnapshot after = snapshots.build();
    assertThat(after.getAcmeChallengesList()).isEmpty();
    assertThat(after.getCertificatesList())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getPrivateKey()).contains("PRIVATE KEY");
              assertThat(c.hasAcmeStatus()).isFalse();
            });
    assertThat(stored().getAcmeChallengesList()).isEmpty();
  }

  @Test
  void failuresAreRecordedAndAuditedAndRetriedWithBackoff() throws Exception {
    issuer.failure = "HTTP-01 challenge for site.example.test invalid: connection refused";

    renewals.runDue();

    Certificate failed = stored();
    assertThat(failed.getAcmeStatus().getState()).isEqualTo(AcmeStatus.State.FAILED);
    assertThat(failed.getAcmeStatus().getLastError()).isEqualTo(issuer.failure);
    assertThat(failed.getAcmeStatus().getFailures()).isEqualTo(1);
    assertThat(ProtoTime.instant(failed.getAcmeStatus().getNextRenewalTime()))
        .isEqualTo(START.plus(Duration.ofMinutes(1)));
    assertThat(failed.getCertificateChain()).isEmpty();
    assertThat(audit)
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.code()).isEqualTo("FAILED");
              assertThat(r.detail()).isEqualTo(issuer.failure);
            });

    clock.set(START.plusSeconds(59));
    assertThat(renewals.runDue()).isEmpty();
    clock.set(START.plusSeconds(60));
    assertThat(renewals.runDue()).containsExactly(NAME);
    assertThat(stored().getAcmeStatus().getFailures()).isEqualTo(2);
    assertThat(ProtoTime.instant(stored().getAcmeStatus().getNextRenewalTime()))
        .isEqualTo(START.plusSeconds(60).plus(Duration.ofMinutes(2)));

    issuer.failure = null;
    clock.set(START.plus(Duration.ofMinutes(3)));
    renewals.runDue();
    assertThat(stored().getAcmeStatus().getState()).isEqualTo(AcmeStatus.State.ISSUED);
    assertThat(stored().getAcmeStatus().getFailures()).isZero();
    assertThat(stored().getAcmeStatus().getLastError()).isEmpty();
  }

  @Test
  void aRenewalRequestMakesAnIssuedCertificateDueNow() throws Exception {
    renewals.runDue();
    String firstSerial = stored().getSerialNumber();
    clock.set(START.plus(Duration.ofDays(1)));
    assertThat(renewals.runDue()).isEmpty();

    Certificate requested = renewals.requestRenewal(NAME);

    assertThat(requested.getAcmeStatus().getState()).isEqualTo(AcmeStatus.State.PENDING);
    assertThat(requested.getCertificateChain()).isNotEmpty(); // still served meanwhile
    assertThat(renewals.runDue()).containsExactly(NAME);
    assertThat(stored().getSerialNumber()).isNotEqualTo(firstSerial);
  }

  @Test
  void anOrderClaimedElsewhereIsLeftAloneUntilItsLeaseLapses() throws Exception {
    Stored<Certificate> current = store.getStored(ResourceTable.CERTIFICATES, NAME).orElseThrow();
    store.update(
        ResourceTable.CERTIFICATES,
        new Stored<>(
            current.resource().toBuilder()
                .setAcmeStatus(
                    AcmeStatus.newBuilder()
                        .setState(AcmeStatus.State.ORDERING)
                        .setLastAttemptTime(ProtoTime.timestamp(START)))
                .build(),
            current.sealed()),
        current.resource().getEtag(),
        "other control plane");

    clock.set(START.plus(AcmeRenewals.ORDER_LEASE).minusSeconds(1));
    assertThat(renewals.runDue()).isEmpty();
    clock.set(START.plus(AcmeRenewals.ORDER_LEASE));
    assertThat(renewals.runDue()).containsExactly(NAME);
    assertThat(issuer.orders).hasSize(1);
  }

  @Test
  void renewsShortLivedCertificatesInTheirLastThird() {
    Instant from = START;
    assertThat(AcmeRenewals.renewalTime(from, from.plus(Duration.ofDays(90))))
        .isEqualTo(from.plus(Duration.ofDays(60)));
    assertThat(AcmeRenewals.renewalTime(from, from.plus(Duration.ofDays(6))))
        .isEqualTo(from.plus(Duration.ofDays(4)));
  }

  @Test
  void backoffDoublesFromOneMinuteUpToSixHours() {
    assertThat(AcmeRenewals.backoff(1)).isEqualTo(Duration.ofMinutes(1));
    assertThat(AcmeRenewals.backoff(2)).isEqualTo(Duration.ofMinutes(2));
    assertThat(AcmeRenewals.backoff(5)).isEqualTo(Duration.ofMinutes(16));
    assertThat(AcmeRenewals.backoff(30)).isEqualTo(Duration.ofHours(6));
  }

  private Certificate stored() {
    return store.get(ResourceTable.CERTIFICATES, NAME).orElseThrow();
  }

  /** Issues self-made certificates valid 90 days from the clock, or fails as told. */
  private final class StandInIssuer implements CertificateIssuer {
    final List<List<String>> orders = new ArrayList<>();
    String failure;
    Instant notAfter;
    BeforeCheck beforeCheck = publisher -> {};
    private long serial = 1;

    @Override
    public Issued issue(List<String> names, ChallengePublisher challenges)
        throws AcmeFailure, InterruptedException {
      orders.add(List.copyOf(names));
      beforeCheck.run(challenges);
      if (failure != null) {
        throw new AcmeFailure(failure);
      }
      KeyPair keys = TestCertificates.ec();
      Instant now = clock.instant();
      notAfter = now.plus(Duration.ofDays(90));
      return new Issued(
          TestCertificates.pem(
              TestCertificates.issued(
                  "CN=" + names.get(0),
                  keys,
                  names,
                  "CN=" + names.get(0),
                  keys,
                  now.minus(Duration.ofHours(1)),
                  notAfter,
                  BigInteger.valueOf(serial++),
                  false)),
          TestCertificates.pkcs8(keys.getPrivate()));
    }
  }

  @FunctionalInterface
  private interface BeforeCheck {
    void run(CertificateIssuer.ChallengePublisher publisher) throws InterruptedException;
  }
}
