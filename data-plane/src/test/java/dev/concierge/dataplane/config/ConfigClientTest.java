package dev.concierge.dataplane.config;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import io.grpc.ConnectivityState;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigClientTest {
  private static final String TOKEN = "node-secret";
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final RuntimeHolder runtimes = new RuntimeHolder();
  private final List<Long> saved = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
    scheduler.shutdownNow();
  }

  private static ConfigSnapshot valid(long revision) {
    return snapshot(
        revision, List.of(cluster("web", 8081)), List.of(route("web", List.of(), "/", "web")));
  }

  private FakeDiscovery discovery(int port) throws Exception {
    FakeDiscovery d = new FakeDiscovery(TOKEN).start(port);
    closeables.add(d);
    return d;
  }

  private ConfigClient client(List<String> targets) {
    ControlPlaneChannels channels =
        new ControlPlaneChannels(targets, ControlPlaneChannels.credentials(FakeDiscovery.caFile()));
    ConfigClient client =
        new ConfigClient(
            channels,
            NodeInfo.newBuilder()
                .setId("node-1")
                .setAddress("127.0.0.1:8080")
                .setVersion("test")
                .build(),
            new RuntimeCompiler(),
            runtimes,
            s -> saved.add(s.getRevision()),
            new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), new SplittableRandom(1)),
            scheduler);
    closeables.add(channels);
    closeables.add(client);
    return client;
  }

  @Test
  void sendsNothingToAControlPlaneItsCaDoesNotVouchFor() throws Exception {
    FakeDiscovery cp = discovery(0);
    // The JVM's default trust store does not know the fake's test CA.
    ControlPlaneChannels untrusting =
        new ControlPlaneChannels(List.of(cp.target()), ControlPlaneChannels.credentials(null));
    closeables.add(untrusting);
    ConfigClient client =
        new ConfigClient(
            untrusting,
            NodeInfo.newBuilder().setId("node-1").setAddress("127.0.0.1:8080").build(),
            new RuntimeCompiler(),
            runtimes,
            s -> saved.add(s.getRevision()),
            new Backoff(Duration.ofMillis(20), Duration.ofMillis(200), new SplittableRandom(1)),
            scheduler);
    closeables.add(client);
    client.start();

    await().until(untrusting::state, s -> s == ConnectivityState.TRANSIENT_FAILURE);
    assertThat(cp.calls).isEmpty();
  }

  @Test
  void refusesACaFileWithoutACertificate(@TempDir Path dir) throws Exception {
    Path notPem = Files.writeString(dir.resolve("ca.crt"), "hello\n");

    assertThatThrownBy(() -> ControlPlaneChannels.credentials(notPem))
        .hasMessageContaining("cannot read the control plane CA " + notPem);
    assertThatThrownBy(() -> ControlPlaneChannels.credentials(dir.resolve("absent.crt")))
        .hasMessageContaining("cannot read the control plane CA");
  }

  @Test
  void identifiesItselfWithProtocolVersion() throws Exception {
    FakeDiscovery cp = discovery(0);
    client(List.of(cp.target())).start();

    ConfigRequest first = cp.nextRequest();

    assertThat(first.getNode().getId()).isEqualTo("node-1");
    assertThat(first.getNode().getProtocolVersion()).isEqualTo(1);
    assertThat(first.getRevision()).isZero();
    assertThat(first.getResponseNonce()).isEmpty();
  }

  @Test
  void acksAfterApplying() throws Exception {
    FakeDiscovery cp = discovery(0);
    client(List.of(cp.target())).start();
    cp.nextRequest();

    cp.push("n1", valid(5));
    ConfigRequest ack = cp.nextRequest();

    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.getRevision()).isEqualTo(5);
    assertThat(ack.getErrorDetail()).isEmpty();
    assertThat(runtimes.revision()).isEqualTo(5);
    assertThat(saved).containsExactly(5L);
  }

  @Test
  void nacksWithErrorAndKeepsServingOldRuntime() throws Exception {
    FakeDiscovery cp = discovery(0);
    client(List.of(cp.target())).start();
    cp.nextRequest();
    cp.push("n1", valid(5));
    cp.nextRequest();

    cp.push("n2", snapshot(6, List.of(), List.of(route("api", List.of(), "/", "x"))));
    ConfigRequest nack = cp.nextRequest();

    assertThat(nack.getResponseNonce()).isEqualTo("n2");
    assertThat(nack.getRevision()).isEqualTo(6);
    assertThat(nack.getErrorDetail())
        .isEqualTo("routes/api.forward.clusters[0].cluster: cluster \"clusters/x\" does not exist");
    assertThat(runtimes.revision()).isEqualTo(5);
    assertThat(saved).containsExactly(5L);
  }

  @Test
  void reconnectsAfterServerRestartReportingServedRevision() throws Exception {
    FakeDiscovery cp = discovery(0);
    int port = cp.port();
    client(List.of(cp.target())).start();
    cp.nextRequest();
    cp.push("n1", valid(5));
    cp.nextRequest();

    cp.close();
    FakeDiscovery restarted = discovery(port);
    ConfigRequest hello = restarted.nextRequest();

    assertThat(hello.getNode().getId()).isEqualTo("node-1");
    assertThat(hello.getRevision()).isEqualTo(5);
    assertThat(runtimes.revision()).isEqualTo(5);
    restarted.push("n9", valid(7));
    await().atMost(Duration.ofSeconds(10)).until(() -> runtimes.revision() == 7);
  }

  @Test
  void failsOverToTheNextControlPlane() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort();
    }
    FakeDiscovery second = discovery(0);
    client(List.of("127.0.0.1:" + deadPort, second.target())).start();

    ConfigRequest hello = second.nextRequest();
    second.push("n1", valid(3));

    assertThat(hello.getNode().getId()).isEqualTo("node-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> runtimes.revision() == 3);
  }

  @Test
  void defaultBackoffNeverWaitsMoreThanTwoSecondsHoweverLongTheOutage() {
    // The largest value every draw allows: the delays are then the caps themselves.
    Backoff highest =
        Backoff.defaults(
            new RandomGenerator() {
              @Override
              public long nextLong() {
                throw new UnsupportedOperationException();
              }

              @Override
              public long nextLong(long bound) {
                return bound - 1;
              }
            });
    List<Long> caps = new ArrayList<>();
    for (int attempt = 0; attempt < 200; attempt++) {
      caps.add(highest.next().toMillis());
    }
    assertThat(caps.subList(0, 5)).containsExactly(250L, 500L, 1000L, 2000L, 2000L);
    assertThat(caps).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(2000));

    // The smallest: a node may retry at once, so a fleet spreads over the whole range.
    Backoff lowest =
        Backoff.defaults(
            new RandomGenerator() {
              @Override
              public long nextLong() {
                return 0;
              }

              @Override
              public long nextLong(long bound) {
                return 0;
              }
            });
    assertThat(lowest.next()).isEqualTo(Duration.ZERO);
  }

  @Test
  void backoffGrowsToItsCapWithFullJitter() {
    Backoff backoff =
        new Backoff(Duration.ofMillis(500), Duration.ofSeconds(30), new SplittableRandom(3));
    long[] caps = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (long cap : caps) {
      assertThat(backoff.next()).isBetween(Duration.ZERO, Duration.ofMillis(cap));
    }
    backoff.reset();
    assertThat(backoff.next()).isLessThanOrEqualTo(Duration.ofMillis(500));
  }
}
