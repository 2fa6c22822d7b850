package dev.concierge.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.controlplane.crypto.FleetCa;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneServerTest {
  @TempDir Path dir;

  private ControlPlaneServer startOnLoopback() throws Exception {
    return ControlPlaneServer.builder()
        .dataDir(dir)
        .bindAddress("127.0.0.1")
        .grpcPort(0)
        .build()
        .start();
  }

  private static ManagedChannel channel(ControlPlaneServer server) throws IOException {
    return Grpc.newChannelBuilderForAddress(
            "127.0.0.1", server.port(), InProcessControlPlane.tls(server))
        .build();
  }

  private static void shutdown(ManagedChannel channel) throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aSecondControlPlaneOnTheSameDataDirIsToldWhoHoldsIt() throws Exception {
    try (ControlPlaneServer first = startOnLoopback()) {
      assertThatThrownBy(this::startOnLoopback)
          .hasMessage(
              "data dir "
                  + dir.toAbsolutePath()
                  + " is in use by control plane pid "
                  + ProcessHandle.current().pid()
                  + " serving gRPC on 127.0.0.1:"
                  + first.port()
                  + ": stop it, or give this one another --data-dir");
    }
    try (ControlPlaneServer again = startOnLoopback()) {
      assertThat(again.port()).isPositive();
    }
    assertThat(dir).isDirectoryNotContaining("glob:**.trace.db");
  }

  @Test
  void servesOnLoopbackAndKeepsEverythingAcrossRestart() throws Exception {
    String adminToken;
    try (ControlPlaneServer server = startOnLoopback()) {
      assertThat(server.port()).isPositive();
      adminToken = server.adminToken();
      // Nodes join with join tokens and their own certificates; there is no shared node token.
      assertThat(dir.resolve("node.token")).doesNotExist();
      for (String file : List.of("admin.token", "master.key", "ca.key")) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file))))
            .isEqualTo("rw-------");
      }
      assertThat(dir.resolve("concierge.mv.db")).exists();
      ManagedChannel channel = channel(server);
      try {
        assertThat(
                HealthGrpc.newBlockingStub(channel)
                    .check(HealthCheckRequest.getDefaultInstance())
                    .getStatus())
            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(reflectedServices(channel))
            .contains(
                "concierge.v1.ManagementService",
                "concierge.v1.ConfigDiscovery",
                "concierge.v1.NodeReporting",
                "concierge.v1.NodeEnrollment",
                "grpc.health.v1.Health");
        assertThatThrownBy(
                () ->
                    ManagementServiceGrpc.newBlockingStub(channel)
                        .listClusters(ListClustersRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        InProcessControlPlane.withToken(ManagementServiceGrpc.newBlockingStub(channel), adminToken)
            .createCluster(
                CreateClusterRequest.newBuilder()
                    .setClusterId("web")
                    .setCluster(
                        Cluster.newBuilder()
                            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9000)))
                    .build());
        assertThat(server.revision()).isEqualTo(1);
      } finally {
        shutdown(channel);
      }
    }

    try (ControlPlaneServer server = startOnLoopback()) {
      assertThat(server.adminToken()).isEqualTo(adminToken);
      assertThat(server.revision()).isEqualTo(1);
      ManagedChannel channel = channel(server);
      try {
        assertThat(
                InProcessControlPlane.withToken(
                        ManagementServiceGrpc.newBlockingStub(channel), adminToken)
                    .getCluster(GetClusterRequest.newBuilder().setName("clusters/web").build())
                    .getEtag())
            .isEqualTo("1");
      } finally {
        shutdown(channel);
      }
    }
  }

  @Test
  void servesOnlyTlsUnderItsOwnCa() throws Exception {
    try (ControlPlaneServer server = startOnLoopback()) {
      ManagedChannel plain =
          Grpc.newChannelBuilderForAddress(
                  "127.0.0.1", server.port(), InsecureChannelCredentials.create())
              .build();
      ManagedChannel untrusting =
          Grpc.newChannelBuilderForAddress(
                  "127.0.0.1", server.port(), TlsChannelCredentials.create())
              .build();
      ManagedChannel trusting = channel(server);
      try {
        for (ManagedChannel refused : List.of(plain, untrusting)) {
          assertThatThrownBy(
                  () ->
                      InProcessControlPlane.withToken(
                              ManagementServiceGrpc.newBlockingStub(refused), server.adminToken())
                          .withDeadlineAfter(10, TimeUnit.SECONDS)
                          .listClusters(ListClustersRequest.getDefaultInstance()))
              .isInstanceOf(StatusRuntimeException.class)
              .satisfies(
                  e ->
                      assertThat(Status.fromThrowable(e).getCode())
                          .isIn(Status.Code.UNAVAILABLE, Status.Code.INTERNAL));
        }
        assertThat(
                InProcessControlPlane.withToken(
                        ManagementServiceGrpc.newBlockingStub(trusting), server.adminToken())
                    .listClusters(ListClustersRequest.getDefaultInstance())
                    .getClustersList())
            .isEmpty();
      } finally {
        shutdown(plain);
        shutdown(untrusting);
        shutdown(trusting);
      }
      assertThat(server.caCertificateFile()).isEqualTo(dir.resolve(FleetCa.CA_CERT_FILE));
      for (String secret : List.of(FleetCa.CA_KEY_FILE, FleetCa.SERVER_KEY_FILE)) {
        assertThat(
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(secret))))
            .isEqualTo("rw-------");
      }
    }
  }

  @Test
  void refusesToStartTwice() throws Exception {
    try (ControlPlaneServer server = startOnLoopback()) {
      assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void seesWritesOfAnotherControlPlaneOnTheSameDatabaseAtItsRevisionPoll() throws Exception {
    String db = "jdbc:h2:mem:" + InProcessServerBuilder.generateName() + ";DB_CLOSE_DELAY=-1";
    String writerName = InProcessServerBuilder.generateName();
    String readerName = InProcessServerBuilder.generateName();
    try (ControlPlaneServer writer =
            ControlPlaneServer.builder()
                .dataDir(dir.resolve("writer"))
                .jdbcUrl(db)
                .serverBuilder(InProcessServerBuilder.forName(writerName))
                .revisionPoll(Duration.ofHours(1))
                .build()
                .start();
        ControlPlaneServer reader =
            ControlPlaneServer.builder()
                .dataDir(dir.resolve("reader"))
                .jdbcUrl(db)
                .serverBuilder(InProcessServerBuilder.forName(readerName))
                .revisionPoll(Duration.ofMillis(20))
                .build()
                .start()) {
      ManagedChannel toWriter = InProcessChannelBuilder.forName(writerName).build();
      ManagedChannel toReader = InProcessChannelBuilder.forName(readerName).build();
      try {
        InProcessControlPlane.withToken(
                ManagementServiceGrpc.newBlockingStub(toWriter), writer.adminToken())
            .createCluster(
                CreateClusterRequest.newBuilder()
                    .setClusterId("a")
                    .setCluster(
                        Cluster.newBuilder()
                            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(80)))
                    .build());
        ManagementServiceGrpc.ManagementServiceBlockingStub readerAdmin =
            InProcessControlPlane.withToken(
                ManagementServiceGrpc.newBlockingStub(toReader), reader.adminToken());
        // ListNodes answers with the revision of the snapshot the reader pushes to its nodes.
        await()
            .until(
                () -> readerAdmin.listNodes(ListNodesRequest.getDefaultInstance()).getRevision(),
                revision -> revision == 1);
      } finally {
        shutdown(toWriter);
        shutdown(toReader);
      }
    }
  }

  @Test
  void refusesARevisionPollBelowOneMillisecond() {
    assertThatThrownBy(() -> ControlPlaneServer.builder().revisionPoll(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 ms");
  }

  @Test
  void requiresDataDir() {
    assertThatThrownBy(() -> ControlPlaneServer.builder().build())
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("dataDir");
  }

  private static List<String> reflectedServices(ManagedChannel channel) throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse value) {
                    answer.complete(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> names =
        answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
            .map(ServiceResponse::getName)
            .toList();
    requests.onCompleted();
    return names;
  }
}
