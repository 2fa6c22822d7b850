package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.UpdateCertificateRequest;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A certificate rotated through the API while HTTPS requests run on new and kept-alive connections:
 * no request fails, the kept-alive connection keeps working, and new handshakes show the new
 * certificate within two seconds.
 */
class TlsRotationIT {
  private static final String HOST = "rot.example.test";

  @TempDir Path dataDir;
  private final TestPki pki = new TestPki("Rotation CA");
  private final ExecutorService load = Executors.newFixedThreadPool(2);
  private final AtomicBoolean stop = new AtomicBoolean();
  private TestBackend backend;
  private Fleet fleet;
  private int httpsPort;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("web");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("web", backend);
    fleet.createRoute("web", "/", "web");
    httpsPort = fleet.nodes().get(0).httpsPort();
  }

  @AfterEach
  void tearDown() throws Exception {
    stop.set(true);
    load.shutdownNow();
    load.awaitTermination(10, TimeUnit.SECONDS);
    fleet.close();
    backend.close();
  }

  @Test
  void rotationUnderLoadFailsNoRequestAndNewHandshakesGetTheNewCertificate() throws Exception {
    TestPki.Issued v1 = pki.issue(HOST, true, HOST);
    TestPki.Issued v2 = pki.issue(HOST, true, HOST);
    fleet
        .api()
        .createCertificate(
            CreateCertificateRequest.newBuilder()
                .setCertificateId("site")
                .setCertificate(
                    Certificate.newBuilder()
                        .setCertificateChain(v1.chainPem())
                        .setPrivateKey(v1.keyPem()))
                .build());
    fleet.awaitSynced();

    AtomicInteger failures = new AtomicInteger();
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    AtomicInteger freshRequests = new AtomicInteger();
    AtomicInteger keptAliveRequests = new AtomicInteger();
    Set<BigInteger> serialsSeen = ConcurrentHashMap.newKeySet();
    AtomicReference<BigInteger> lastSerial = new AtomicReference<>();
    // New connections: a full handshake each (a fresh client context: no resumption).
    Future<?> fresh =
        load.submit(
            () -> {
              while (!stop.get()) {
                try (SSLSocket socket = TlsProbe.connect(httpsPort, HOST, "http/1.1")) {
                  BigInteger serial = TlsProbe.describe(socket).leaf().getSerialNumber();
                  assertThat(TlsProbe.get(socket, HOST, "/fresh"))
                      .isEqualTo("HTTP/1.1 200 OK\nweb");
                  serialsSeen.add(serial);
                  lastSerial.set(serial);
                  freshRequests.incrementAndGet();
                } catch (Throwable failure) {
                  failures.incrementAndGet();
                  firstFailure.compareAndSet(null, failure);
                }
              }
            });
    // One connection kept alive across the rotation.
    Future<?> keptAlive =
        load.submit(
            () -> {
              try (SSLSocket socket = TlsProbe.connect(httpsPort, HOST, "http/1.1")) {
                while (!stop.get()) {
                  assertThat(TlsProbe.get(socket, HOST, "/kept")).isEqualTo("HTTP/1.1 200 OK\nweb");
                  keptAliveRequests.incrementAndGet();
                }
              } catch (Throwable failure) {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, failure);
              }
              return null;
            });
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> freshRequests.get() >= 20 && keptAliveRequests.get() >= 20);

    fleet
        .api()
        .updateCertificate(
            UpdateCertificateRequest.newBuilder()
                .setCertificate(
                    Certificate.newBuilder()
                        .setName("certificates/site")
                        .setCertificateChain(v2.chainPem())
                        .setPrivateKey(v2.keyPem()))
                .setUpdateMask(
                    FieldMask.newBuilder().addPaths("certificate_chain").addPaths("private_key"))
                .build());
    // The acceptance bound: new handshakes show the new serial within 2 s of the API's answer.
    await()
        .atMost(Duration.ofSeconds(2))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> v2.leaf().getSerialNumber().equals(lastSerial.get()));
    int freshAtSwitch = freshRequests.get();
    int keptAtSwitch = keptAliveRequests.get();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                freshRequests.get() >= freshAtSwitch + 20
                    && keptAliveRequests.get() >= keptAtSwitch + 20);
    stop.set(true);
    fresh.get(10, TimeUnit.SECONDS);
    keptAlive.get(10, TimeUnit.SECONDS);

    assertThat(firstFailure.get()).isNull();
    assertThat(failures.get()).isZero();
    assertThat(serialsSeen)
        .containsExactlyInAnyOrder(v1.leaf().getSerialNumber(), v2.leaf().getSerialNumber());
    // Once the new certificate showed, no handshake went back to the old one.
    assertThat(lastSerial.get()).isEqualTo(v2.leaf().getSerialNumber());
  }
}
