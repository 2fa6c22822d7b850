package dev.concierge.it;

import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateJoinTokenRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.ControlPlaneServer;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.accesslog.AccessLogDestination;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A control plane on 127.0.0.1:0 with data-plane nodes pointed at it, all in this JVM. */
final class Fleet implements AutoCloseable {
  private final Path dataDir;
  private final UnaryOperator<ControlPlaneServer.Builder> controlPlaneSettings;
  private ControlPlaneServer controlPlane;
  private int grpcPort;
  private final List<DataPlaneServer> nodes = new ArrayList<>();
  private ManagedChannel channel;
  private ManagementServiceGrpc.ManagementServiceBlockingStub api;
  private String joinToken;

  private Fleet(Path dataDir, UnaryOperator<ControlPlaneServer.Builder> controlPlaneSettings) {
    this.dataDir = dataDir;
    this.controlPlaneSettings = controlPlaneSettings;
  }

  /** Starts a control plane on dataDir and nodeCount nodes, and waits until every node is ready. */
  static Fleet start(Path dataDir, int nodeCount) throws Exception {
    return start(dataDir, nodeCount, UnaryOperator.identity());
  }

  /** As {@link #start(Path, int)}, the control plane with more settings. */
  static Fleet start(
      Path dataDir, int nodeCount, UnaryOperator<ControlPlaneServer.Builder> controlPlaneSettings)
      throws Exception {
    Fleet fleet = new Fleet(dataDir, controlPlaneSettings);
    fleet.startControlPlane(0);
    for (int i = 0; i < nodeCount; i++) {
      fleet.startNode("node-" + (i + 1));
    }
    fleet.awaitSynced();
    return fleet;
  }

  private void startControlPlane(int port) throws IOException {
    controlPlane =
        controlPlaneSettings
            .apply(
                ControlPlaneServer.builder()
                    .dataDir(dataDir)
                    .bindAddress("127.0.0.1")
                    .grpcPort(port)
                    .httpPort(0))
            .build()
            .start();
    grpcPort = controlPlane.port();
    if (channel != null) {
      channel.shutdownNow();
    }
    // TLS trusting the control plane's own CA, as the CLI and the nodes do.
    channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort, tls(controlPlane)).build();
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + controlPlane.adminToken());
    api =
        ManagementServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  DataPlaneServer startNode(String id) throws Exception {
    return startNode(id, UnaryOperator.identity());
  }

  /** Starts a node with more settings ({@code settings} adds them to the fleet's). */
  DataPlaneServer startNode(String id, UnaryOperator<DataPlaneServer.Builder> settings)
      throws Exception {
    DataPlaneServer node =
        settings
            .apply(
                DataPlaneServer.builder()
                    .controlPlanes(List.of("127.0.0.1:" + grpcPort))
                    .joinToken(joinToken())
                    .controlPlaneCa(controlPlane.caCertificateFile())
                    .nodeId(id)
                    .bindAddress("127.0.0.1")
                    .httpPort(0)
                    .httpsPort(0)
                    .adminBindAddress("127.0.0.1")
                    .adminPort(0)
                    // Under target, not stdout: CI output stays small, the lines stay readable.
                    .accessLog(
                        new AccessLogDestination.File(
                            Path.of(
                                "target", "access-logs", dataDir.getFileName() + "-" + id + ".log"),
                            10 << 20,
                            1))
                    // As before drain timeouts: a test that ends with a request hanging waits 5 s.
                    .drainTimeout(Duration.ofSeconds(5)))
            .build()
            .start();
    nodes.add(node);
    return node;
  }

  /**
   * The join token the fleet's nodes join with, made once through the management API as an operator
   * would (concierge node token create).
   */
  synchronized String joinToken() {
    if (joinToken == null) {
      joinToken =
          api()
              .createJoinToken(
                  CreateJoinTokenRequest.newBuilder()
                      .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(3600))
                      .build())
              .getSecret();
    }
    return joinToken;
  }

  /** TLS credentials that trust this control plane's CA. */
  static ChannelCredentials tls(ControlPlaneServer controlPlane) throws IOException {
    return TlsChannelCredentials.newBuilder()
        .trustManager(controlPlane.caCertificateFile().toFile())
        .build();
  }

  /** The fleet CA's PEM file, for the CLI's CONCIERGE_CA_FILE and a node's --ca-file. */
  Path caFile() {
    return controlPlane.caCertificateFile();
  }

  /** Stops the control plane; nodes keep running on their last configuration. */
  void stopControlPlane() {
    controlPlane.close();
  }

  /** Starts a new control plane on the same data dir and the same port the nodes know. */
  void restartControlPlane() throws IOException {
    startControlPlane(grpcPort);
  }

  /** Waits until every node has applied the control plane's newest revision. */
  void awaitSynced() {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(10))
        .until(
            () ->
                nodes.stream().allMatch(node -> node.appliedRevision() == controlPlane.revision()));
  }

  ControlPlaneServer controlPlane() {
    return controlPlane;
  }

  String controlPlaneAddress() {
    return "127.0.0.1:" + grpcPort;
  }

  List<DataPlaneServer> nodes() {
    return nodes;
  }

  ManagementServiceGrpc.ManagementServiceBlockingStub api() {
    return api.withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  Cluster createCluster(String id, TestBackend... backends) {
    return createCluster(id, Arrays.stream(backends).mapToInt(TestBackend::port).toArray());
  }

  /** A cluster of endpoints 127.0.0.1:port, in the order given. */
  Cluster createCluster(String id, int... ports) {
    Cluster.Builder cluster = Cluster.newBuilder();
    for (int port : ports) {
      cluster.addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(port));
    }
    return api()
        .createCluster(
            CreateClusterRequest.newBuilder().setClusterId(id).setCluster(cluster).build());
  }

  Route createRoute(String id, String pathPrefix, String clusterId) {
    return createRoute(id, routeTo(pathPrefix, clusterId));
  }

  Route createRoute(String id, Route route) {
    return api()
        .createRoute(CreateRouteRequest.newBuilder().setRouteId(id).setRoute(route).build());
  }

  static Route routeTo(String pathPrefix, String clusterId) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPathPrefix(pathPrefix))
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster("clusters/" + clusterId)))
        .build();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
    }
    for (DataPlaneServer node : nodes) {
      node.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }
}
