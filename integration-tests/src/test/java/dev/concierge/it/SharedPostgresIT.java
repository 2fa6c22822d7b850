package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.controlplane.ControlPlaneServer;
import dev.concierge.controlplane.crypto.FleetCa;
import dev.concierge.controlplane.store.TestPostgres;
import dev.concierge.dataplane.DataPlaneServer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two control planes on one PostgreSQL database, as a highly available deployment runs them: a
 * write through the management API of one reaches a node that is connected only to the other.
 */
@ExtendWith(TestPostgres.Resolver.class)
class SharedPostgresIT {
  private static final Logger LOG = LoggerFactory.getLogger(SharedPostgresIT.class);

  @TempDir Path dataDirA;
  @TempDir Path dataDirB;
  private TestBackend backend;
  private ControlPlaneServer a;
  private ControlPlaneServer b;
  private DataPlaneServer nodeOfB;
  private ManagedChannel channelToA;

  @BeforeEach
  void setUp(TestPostgres postgres) throws Exception {
    String url = postgres.createDatabase();
    backend = TestBackend.start("backend");
    a = controlPlane(dataDirA, url);
    // As the README says to: control planes sharing a database share tokens, master key and the
    // fleet CA (each issues its own gRPC certificate from it, so one CA file trusts both).
    for (String file :
        List.of(
            "admin.token", KeyCipher.MASTER_KEY_FILE, FleetCa.CA_CERT_FILE, FleetCa.CA_KEY_FILE)) {
      Files.copy(dataDirA.resolve(file), dataDirB.resolve(file));
    }
    b = controlPlane(dataDirB, url);
    nodeOfB =
        DataPlaneServer.builder()
            .controlPlanes(List.of("127.0.0.1:" + b.port()))
            .joinToken(b.createJoinToken(Duration.ofHours(1), "test"))
            .controlPlaneCa(a.caCertificateFile())
            .nodeId("node-of-b")
            .bindAddress("127.0.0.1")
            .httpPort(0)
            .httpsPort(0)
            .adminBindAddress("127.0.0.1")
            .adminPort(0)
            .build()
            .start();
    channelToA = NettyChannelBuilder.forAddress("127.0.0.1", a.port(), Fleet.tls(b)).build();
  }

  private static ControlPlaneServer controlPlane(Path dataDir, String jdbcUrl) throws Exception {
    return ControlPlaneServer.builder()
        .dataDir(dataDir)
        .jdbcUrl(jdbcUrl)
        .bindAddress("127.0.0.1")
        .grpcPort(0)
        .build()
        .start();
  }

  @AfterEach
  void tearDown() {
    if (channelToA != null) {
      channelToA.shutdownNow();
    }
    for (AutoCloseable closeable : new AutoCloseable[] {nodeOfB, b, a, backend}) {
      if (closeable != null) {
        try {
          closeable.close();
        } catch (Exception e) {
          LOG.warn("closing {} failed", closeable, e);
        }
      }
    }
  }

  @Test
  void writeThroughOneControlPlaneReachesANodeOfTheOther() {
    await().atMost(Duration.ofSeconds(20)).until(() -> nodeOfB.appliedRevision() == 0);
    assertThat(Http.bodyOrStatus(nodeOfB.httpPort(), "/hello")).isEqualTo("status 404");

    long start = System.nanoTime();
    ManagementServiceGrpc.ManagementServiceBlockingStub apiOfA = apiOfA();
    apiOfA.createCluster(
        CreateClusterRequest.newBuilder()
            .setClusterId("web")
            .setCluster(
                Cluster.newBuilder()
                    .addEndpoints(
                        Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.port())))
            .build());
    apiOfA.createRoute(
        CreateRouteRequest.newBuilder()
            .setRouteId("web")
            .setRoute(Fleet.routeTo("/", "web"))
            .build());

    // B is never told of A's writes; it finds them by polling the shared revision.
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> Http.bodyOrStatus(nodeOfB.httpPort(), "/hello").equals("backend"));
    LOG.info(
        "propagation: a write through control plane A served by a node of B after {} ms",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(nodeOfB.appliedRevision()).isEqualTo(2);
    assertThat(b.revision()).isEqualTo(2);
  }

  private ManagementServiceGrpc.ManagementServiceBlockingStub apiOfA() {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + a.adminToken());
    return ManagementServiceGrpc.newBlockingStub(channelToA)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }
}
