package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.AcmeManaged;
import dev.concierge.api.v1.AcmeStatus;
import dev.concierge.api.v1.AuditEvent;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.GetCertificateRequest;
import dev.concierge.api.v1.ListAuditEventsRequest;
import dev.concierge.api.v1.RenewCertificateRequest;
import dev.concierge.controlplane.acme.AcmeSettings;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * ACME against a real local pebble: the control plane orders a certificate, the node answers the
 * HTTP-01 challenge on its plain port and then serves the certificate by SNI; a forced renewal
 * replaces it while handshakes keep succeeding; a name pebble cannot validate shows up as a failure
 * on the certificate and in the audit log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AcmeIT {
  private static final String HOST = "acme.example.test";
  private static final String BROKEN = "broken.example.test";
  private static final Duration ISSUE_WAIT = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private final TestPki pki = new TestPki("Pebble HTTPS CA");
  private Fleet fleet;
  private Pebble pebble;
  private int httpsPort;

  @BeforeAll
  void start() throws Exception {
    int pebblePort = Pebble.freePort();
    Path caFile = dir.resolve("pebble-https-ca.pem");
    Files.writeString(caFile, TestPki.pem(pki.ca()));
    fleet =
        Fleet.start(
            dir.resolve("control-plane"),
            1,
            b ->
                b.acme(
                        new AcmeSettings(
                            URI.create("https://127.0.0.1:" + pebblePort + "/dir"),
                            "ops@example.test",
                            Optional.of(caFile)))
                    .acmeCheck(Duration.ofSeconds(1)));
    httpsPort = fleet.nodes().get(0).httpsPort();
    pebble = Pebble.start(pebblePort, pki, fleet.nodes().get(0).httpPort());
  }

  @AfterAll
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
    if (pebble != null) {
      pebble.close();
    }
  }

  @Test
  @Order(1)
  void issuesServesAndRenewsWithoutAFailedHandshake() throws Exception {
    fleet
        .api()
        .createCertificate(
            CreateCertificateRequest.newBuilder()
                .setCertificateId("site")
                .setCertificate(
                    Certificate.newBuilder().setAcme(AcmeManaged.newBuilder().addNames(HOST)))
                .build());
    Certificate issued = awaitState("certificates/site", AcmeStatus.State.ISSUED);
    assertThat(issued.getDnsNamesList()).containsExactly(HOST);
    assertThat(issued.getAcmeStatus().getLastError()).isEmpty();
    assertThat(issued.getAcmeChallengesList()).isEmpty();
    fleet.awaitSynced();
    X509Certificate served = TlsProbe.handshake(httpsPort, HOST, "http/1.1").leaf();
    BigInteger first = served.getSerialNumber();
    assertThat(first.toString(16)).isEqualTo(issued.getSerialNumber());

    ExecutorService load = Executors.newSingleThreadExecutor();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger handshakes = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    AtomicReference<BigInteger> lastSerial = new AtomicReference<>(first);
    Set<BigInteger> serials = ConcurrentHashMap.newKeySet();
    try {
      Future<?> loop =
          load.submit(
              () -> {
                while (!stop.get()) {
                  try {
                    BigInteger serial =
                        TlsProbe.handshake(httpsPort, HOST, "http/1.1").leaf().getSerialNumber();
                    serials.add(serial);
                    lastSerial.set(serial);
                    handshakes.incrementAndGet();
                  } catch (Throwable t) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, t);
                  }
                }
              });
      await().atMost(Duration.ofSeconds(20)).until(() -> handshakes.get() >= 20);
      Certificate requested =
          fleet
              .api()
              .renewCertificate(
                  RenewCertificateRequest.newBuilder().setName("certificates/site").build());
      assertThat(requested.getAcmeStatus().getState())
          .isIn(AcmeStatus.State.PENDING, AcmeStatus.State.ORDERING);
      await()
          .atMost(ISSUE_WAIT)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> !first.equals(lastSerial.get()));
      int atSwitch = handshakes.get();
      await().atMost(Duration.ofSeconds(20)).until(() -> handshakes.get() >= atSwitch + 20);
      stop.set(true);
      loop.get(10, TimeUnit.SECONDS);
    } finally {
      stop.set(true);
      load.shutdownNow();
    }
    assertThat(firstFailure.get()).isNull();
    assertThat(failures.get()).isZero();
    assertThat(serials).hasSize(2).contains(first);
    Certificate renewed = get("certificates/site");
    assertThat(renewed.getAcmeStatus().getState()).isEqualTo(AcmeStatus.State.ISSUED);
    assertThat(renewed.getSerialNumber()).isEqualTo(lastSerial.get().toString(16));
  }

  @Test
  @Order(2)
  void aNameThePebbleCannotValidateFailsInStatusAndAuditLog() throws Exception {
    // Pebble's DNS sends it to 127.0.0.2, where no node listens.
    pebble.addARecord(BROKEN, "127.0.0.2");
    fleet
        .api()
        .createCertificate(
            CreateCertificateRequest.newBuilder()
                .setCertificateId("broken")
                .setCertificate(
                    Certificate.newBuilder().setAcme(AcmeManaged.newBuilder().addNames(BROKEN)))
                .build());
    Certificate failed = awaitState("certificates/broken", AcmeStatus.State.FAILED);
    assertThat(failed.getAcmeStatus().getLastError()).contains(BROKEN);
    assertThat(failed.getAcmeStatus().getFailures()).isEqualTo(1);
    assertThat(failed.hasNotAfter()).isFalse();
    // Retried later, with backoff: not at once.
    assertThat(failed.getAcmeStatus().getNextRenewalTime().getSeconds())
        .isGreaterThan(failed.getAcmeStatus().getLastAttemptTime().getSeconds() + 30);
    List<AuditEvent> events =
        fleet.api().listAuditEvents(ListAuditEventsRequest.getDefaultInstance()).getEventsList();
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.getRpc()).isEqualTo("acme/Order");
              assertThat(e.getResource()).isEqualTo("certificates/broken");
              assertThat(e.getCode()).isEqualTo("FAILED");
              assertThat(e.getDetail()).contains(BROKEN);
            });
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.getResource()).isEqualTo("certificates/site");
              assertThat(e.getCode()).isEqualTo("OK");
            });
  }

  private Certificate awaitState(String name, AcmeStatus.State state) {
    AtomicReference<Certificate> seen = new AtomicReference<>();
    await()
        .atMost(ISSUE_WAIT)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              Certificate c = get(name);
              seen.set(c);
              assertThat(c.getAcmeStatus().getState()).as(c.toString()).isEqualTo(state);
            });
    return seen.get();
  }

  private Certificate get(String name) {
    return fleet.api().getCertificate(GetCertificateRequest.newBuilder().setName(name).build());
  }
}
