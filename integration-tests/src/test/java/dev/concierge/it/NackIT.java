package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.JoinRequest;
import dev.concierge.api.v1.NodeCertificate;
import dev.concierge.api.v1.NodeEnrollmentGrpc;
import dev.concierge.controlplane.crypto.FleetCa;
import dev.concierge.controlplane.crypto.NodeCertificates;
import dev.concierge.dataplane.DataPlaneServer;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node fed a snapshot it cannot compile NACKs it and keeps serving the previous one. */
class NackIT {
  private TestBackend backend;
  private Server discovery;
  private final BlockingQueue<ConfigRequest> received = new LinkedBlockingQueue<>();
  private final AtomicReference<StreamObserver<ConfigResponse>> toNode = new AtomicReference<>();
  private DataPlaneServer node;
  private static final String JOIN_TOKEN = "test-join-token";

  @TempDir Path tlsDir;

  @BeforeEach
  void setUp() throws Exception {
    // The fake control plane serves TLS under a CA of its own, as the real one does.
    FleetCa ca = FleetCa.loadOrCreate(tlsDir, Clock.systemUTC());
    FleetCa.ServerFiles tls = ca.serverCertificate(List.of("127.0.0.1"));
    backend = TestBackend.start("backend");
    discovery =
        NettyServerBuilder.forAddress(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                TlsServerCredentials.newBuilder()
                    .keyManager(tls.certificateChain().toFile(), tls.privateKey().toFile())
                    .trustManager(ca.certificateFile().toFile())
                    .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                    .build())
            // Nodes join first: this fake signs any CSR that comes with its join token.
            .addService(
                new NodeEnrollmentGrpc.NodeEnrollmentImplBase() {
                  private final NodeCertificates certificates =
                      new NodeCertificates(ca, Duration.ofHours(1), Clock.systemUTC());

                  @Override
                  public void join(JoinRequest request, StreamObserver<NodeCertificate> out) {
                    if (!request.getJoinToken().equals(JOIN_TOKEN)) {
                      out.onError(Status.UNAUTHENTICATED.asRuntimeException());
                      return;
                    }
                    out.onNext(
                        NodeCertificate.newBuilder()
                            .setCertificateChain(
                                certificates.pemChain(
                                    certificates.issue(
                                        request.getNodeId(), request.getCsr().toByteArray())))
                            .build());
                    out.onCompleted();
                  }
                })
            .addService(
                new ConfigDiscoveryGrpc.ConfigDiscoveryImplBase() {
                  @Override
                  public StreamObserver<ConfigRequest> streamConfig(
                      StreamObserver<ConfigResponse> responses) {
                    toNode.set(responses);
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(ConfigRequest request) {
                        received.add(request);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        responses.onCompleted();
                      }
                    };
                  }
                })
            .build()
            .start();
    node =
        DataPlaneServer.builder()
            .controlPlanes(List.of("127.0.0.1:" + discovery.getPort()))
            .joinToken(JOIN_TOKEN)
            .controlPlaneCa(ca.certificateFile())
            .nodeId("nack-node")
            .bindAddress("127.0.0.1")
            .httpPort(0)
            .httpsPort(0)
            .adminBindAddress("127.0.0.1")
            .adminPort(0)
            .build()
            .start();
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    node.close();
    discovery.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    backend.close();
  }

  @Test
  void nacksAnUncompilableSnapshotAndKeepsServingTheLastGoodOne() throws Exception {
    ConfigRequest hello = received.poll(10, TimeUnit.SECONDS);
    assertThat(hello).isNotNull();
    assertThat(hello.getNode().getId()).isEqualTo("nack-node");
    assertThat(hello.getNode().getProtocolVersion()).isEqualTo(1);

    Cluster web =
        Cluster.newBuilder()
            .setName("clusters/web")
            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(backend.port()))
            .build();
    ConfigSnapshot good =
        ConfigSnapshot.newBuilder()
            .setRevision(1)
            .addClusters(web)
            .addRoutes(Fleet.routeTo("/", "web").toBuilder().setName("routes/web"))
            .build();
    toNode.get().onNext(ConfigResponse.newBuilder().setNonce("n1").setSnapshot(good).build());

    ConfigRequest ack = received.poll(10, TimeUnit.SECONDS);
    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.getRevision()).isEqualTo(1);
    assertThat(ack.getErrorDetail()).isEmpty();
    await().atMost(Duration.ofSeconds(5)).until(() -> node.appliedRevision() == 1);
    assertThat(Http.bodyOrStatus(node.httpPort(), "/")).isEqualTo("backend");

    ConfigSnapshot bad =
        ConfigSnapshot.newBuilder()
            .setRevision(2)
            .addClusters(web)
            .addRoutes(Fleet.routeTo("/", "web").toBuilder().setName("routes/web"))
            .addRoutes(Fleet.routeTo("/broken", "missing").toBuilder().setName("routes/broken"))
            .build();
    toNode.get().onNext(ConfigResponse.newBuilder().setNonce("n2").setSnapshot(bad).build());

    ConfigRequest nack = received.poll(10, TimeUnit.SECONDS);
    assertThat(nack.getResponseNonce()).isEqualTo("n2");
    assertThat(nack.getErrorDetail()).contains("routes/broken").contains("clusters/missing");
    assertThat(node.appliedRevision()).isEqualTo(1);
    assertThat(Http.bodyOrStatus(node.httpPort(), "/")).isEqualTo("backend");
    assertThat(Http.get(node.httpPort(), "/broken").body()).isEqualTo("backend");

    // The NACK is counted, and revision 1 stays in force.
    String metrics = NodeMetricsText.of(node);
    assertThat(NodeMetricsText.sum(metrics, "concierge_config_updates_total", "result=\"applied\""))
        .isEqualTo(1);
    assertThat(
            NodeMetricsText.sum(metrics, "concierge_config_updates_total", "result=\"rejected\""))
        .isEqualTo(1);
    assertThat(NodeMetricsText.sum(metrics, "concierge_config_revision")).isEqualTo(1);
  }
}
