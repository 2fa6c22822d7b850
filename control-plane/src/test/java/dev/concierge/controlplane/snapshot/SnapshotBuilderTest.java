package dev.concierge.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.crypto.TestCertificates;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotBuilderTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
  private static final KeyCipher CIPHER = KeyCipher.of(new byte[32]);

  @TempDir Path dir;
  private JdbcConfigStore store;

  @BeforeEach
  void open() {
    store = JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), CLOCK);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Cluster cluster(String id, int port) {
    return Cluster.newBuilder()
        .setName("clusters/" + id)
        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(port))
        .build();
  }

  private static Route route(String id, String prefix, String cluster) {
    return Route.newBuilder()
        .setName("routes/" + id)
        .setMatch(RouteMatch.newBuilder().setPathPrefix(prefix))
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster("clusters/" + cluster)))
        .build();
  }

  private static final KeyPair RSA = TestCertificates.rsa();
  private static final String KEY1_RSA_PKCS1 = TestCertificates.pem(RSA.getPrivate());
  private static final String KEY1 = TestCertificates.pkcs8(TestCertificates.ec().getPrivate());
  private static final String KEY2 = TestCertificates.pkcs8(TestCertificates.ec().getPrivate());

  private static Stored<Certificate> certificate(String id, String chain, String key) {
    String name = "certificates/" + id;
    return new Stored<>(
        Certificate.newBuilder().setName(name).setCertificateChain(chain).build(),
        CIPHER.encrypt(key, name));
  }

  /** The snapshot a builder that has never built before makes: a full read of the store. */
  private ConfigSnapshot fullBuild() {
    return new SnapshotBuilder(store, CIPHER, CLOCK).build();
  }

  @Test
  void snapshotsCarryTheCertificateExpiryWarning() {
    assertThat(fullBuild().getCertificateExpiryWarning())
        .isEqualTo(com.google.protobuf.util.Durations.fromDays(14));
    assertThat(
            new SnapshotBuilder(store, CIPHER, CLOCK, java.time.Duration.ofDays(30))
                .build()
                .getCertificateExpiryWarning())
        .isEqualTo(com.google.protobuf.util.Durations.fromDays(30));
  }

  @Test
  void buildsAfterEachWriteWhatAFullReadBuilds() {
    SnapshotBuilder incremental = new SnapshotBuilder(store, CIPHER, CLOCK);
    assertThat(incremental.build()).isEqualTo(fullBuild());
    List<Consumer<JdbcConfigStore>> writes = new ArrayList<>();
    writes.add(s -> s.create(ResourceTable.CLUSTERS, Stored.of(cluster("b", 81)), "t"));
    writes.add(s -> s.create(ResourceTable.CLUSTERS, Stored.of(cluster("a", 80)), "t"));
    writes.add(s -> s.create(ResourceTable.ROUTES, Stored.of(route("r2", "/two", "a")), "t"));
    writes.add(s -> s.create(ResourceTable.ROUTES, Stored.of(route("r1", "/one", "b")), "t"));
    writes.add(s -> s.create(ResourceTable.CERTIFICATES, certificate("c", "PEM1", KEY1), "t"));
    writes.add(s -> s.update(ResourceTable.CLUSTERS, Stored.of(cluster("a", 90)), "", "t"));
    writes.add(s -> s.update(ResourceTable.ROUTES, Stored.of(route("r1", "/uno", "a")), "", "t"));
    writes.add(s -> s.update(ResourceTable.CERTIFICATES, certificate("c", "PEM2", KEY2), "", "t"));
    writes.add(s -> s.delete(ResourceTable.ROUTES, "routes/r2", "", "t"));
    writes.add(s -> s.delete(ResourceTable.CLUSTERS, "clusters/b", "", "t"));
    writes.add(s -> s.delete(ResourceTable.CERTIFICATES, "certificates/c", "", "t"));
    for (Consumer<JdbcConfigStore> write : writes) {
      write.accept(store);
      ConfigSnapshot built = incremental.build();
      assertThat(built.getRevision()).isEqualTo(store.revision());
      assertThat(built).isEqualTo(fullBuild());
    }
  }

  @Test
  void catchesUpOnSeveralWritesInOneBuild() {
    SnapshotBuilder incremental = new SnapshotBuilder(store, CIPHER, CLOCK);
    incremental.build();
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a", 80)), "t");
    store.create(ResourceTable.CERTIFICATES, certificate("c", "PEM", KEY1_RSA_PKCS1), "t");
    store.create(ResourceTable.ROUTES, Stored.of(route("r", "/", "a")), "t");
    store.update(ResourceTable.CLUSTERS, Stored.of(cluster("a", 81)), "", "t");
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("z", 82)), "t");
    store.delete(ResourceTable.CLUSTERS, "clusters/z", "", "t");

    ConfigSnapshot built = incremental.build();

    assertThat(built).isEqualTo(fullBuild());
    assertThat(built.getRevision()).isEqualTo(6);
    assertThat(built.getClustersList())
        .singleElement()
        .satisfies(c -> assertThat(c.getEndpoints(0).getPort()).isEqualTo(81));
    // Whatever form was stored, nodes get PKCS#8 (the one form they read).
    assertThat(built.getCertificates(0).getPrivateKey())
        .isEqualTo(TestCertificates.pkcs8(RSA.getPrivate()));
  }
}
