package dev.concierge.it;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.dataplane.DataPlaneServer;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks "when the cluster speaks them": a gRPC check calls grpc.health.v1.Health/Check on a real
 * grpc-java server (HealthStatusManager) and passes only on SERVING; an HTTP check on an HTTP2
 * cluster goes over h2c, shown against a Jetty backend that speaks nothing but h2c.
 */
class Http2HealthCheckIT {
  private static final Duration INTERVAL = Duration.ofMillis(200);
  // Protocol, not timing, is under test here (HealthCheckIT times the verdicts): room for the
  // first h2c connection on a busy machine.
  private static final Duration VERDICT = Duration.ofSeconds(3);

  @TempDir Path dataDir;
  private Fleet fleet;
  private DataPlaneServer node;
  private final HealthStatusManager health = new HealthStatusManager();
  private Server grpc;
  private org.eclipse.jetty.server.Server h2cOnly;
  private volatile int h2cStatus = 200;

  @BeforeEach
  void setUp() throws Exception {
    grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(health.getHealthService())
            .build()
            .start();
    h2cOnly = new org.eclipse.jetty.server.Server();
    ServerConnector connector =
        new ServerConnector(h2cOnly, new HTTP2CServerConnectionFactory(new HttpConfiguration()));
    connector.setHost("127.0.0.1");
    h2cOnly.addConnector(connector);
    h2cOnly.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(
              org.eclipse.jetty.server.Request request,
              org.eclipse.jetty.server.Response response,
              Callback callback) {
            response.setStatus(h2cStatus);
            callback.succeeded();
            return true;
          }
        });
    h2cOnly.start();
    fleet = Fleet.start(dataDir, 1);
    node = fleet.nodes().get(0);
  }

  @AfterEach
  void tearDown() throws Exception {
    fleet.close();
    grpc.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    h2cOnly.stop();
  }

  @Test
  void aGrpcCheckPassesOnlyWhileTheServiceIsServing() {
    health.setStatus("web.Api", ServingStatus.NOT_SERVING);
    create(
        "grpc",
        grpc.getPort(),
        HealthCheck.newBuilder()
            .setGrpc(HealthCheck.Grpc.newBuilder().setService("web.Api").setAuthority("web")));
    String endpoint = "127.0.0.1:" + grpc.getPort();
    await()
        .atMost(VERDICT)
        .until(() -> Boolean.FALSE.equals(node.endpointHealthy("clusters/grpc", endpoint)));

    health.setStatus("web.Api", ServingStatus.SERVING);
    await()
        .atMost(VERDICT)
        .until(() -> Boolean.TRUE.equals(node.endpointHealthy("clusters/grpc", endpoint)));

    health.setStatus("web.Api", ServingStatus.NOT_SERVING);
    await()
        .atMost(VERDICT)
        .until(() -> Boolean.FALSE.equals(node.endpointHealthy("clusters/grpc", endpoint)));
  }

  @Test
  void aGrpcCheckOfAnUnknownServiceFailsOnItsGrpcStatus() {
    create(
        "grpc",
        grpc.getPort(),
        HealthCheck.newBuilder().setGrpc(HealthCheck.Grpc.newBuilder().setService("no.Such")));
    String endpoint = "127.0.0.1:" + grpc.getPort();
    // NOT_FOUND (grpc-status 5) in a trailers-only answer.
    await()
        .atMost(VERDICT)
        .until(() -> Boolean.FALSE.equals(node.endpointHealthy("clusters/grpc", endpoint)));
    health.setStatus("no.Such", ServingStatus.SERVING);
    await()
        .atMost(VERDICT)
        .until(() -> Boolean.TRUE.equals(node.endpointHealthy("clusters/grpc", endpoint)));
  }

  @Test
  void anHttpCheckOfAnHttp2ClusterGoesOverH2c() {
    h2cStatus = 503;
    int port = ((ServerConnector) h2cOnly.getConnectors()[0]).getLocalPort();
    create(
        "h2c",
        port,
        HealthCheck.newBuilder().setHttp(HealthCheck.Http.newBuilder().setPath("/healthz")));
    String endpoint = "127.0.0.1:" + port;
    await()
        .atMost(VERDICT)
        .until(() -> Boolean.FALSE.equals(node.endpointHealthy("clusters/h2c", endpoint)));
    // Passing needs an answer, which this backend gives only over h2c.
    h2cStatus = 200;
    await()
        .atMost(VERDICT)
        .until(() -> Boolean.TRUE.equals(node.endpointHealthy("clusters/h2c", endpoint)));
  }

  private void create(String id, int port, HealthCheck.Builder check) {
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId(id)
                .setCluster(
                    Cluster.newBuilder()
                        .setProtocol(Cluster.Protocol.HTTP2)
                        .setHealthCheck(
                            check
                                .setInterval(Durations.fromMillis(INTERVAL.toMillis()))
                                .setTimeout(Durations.fromMillis(150))
                                .setHealthyThreshold(1)
                                .setUnhealthyThreshold(1))
                        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(port)))
                .build());
    fleet.awaitSynced();
  }
}
