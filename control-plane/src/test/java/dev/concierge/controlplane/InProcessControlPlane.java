package dev.concierge.controlplane;

import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A real control plane (store on a temp dir) served over the in-process transport, with stubs; or,
 * made with {@link #overTls}, on 127.0.0.1 with TLS, where nodes can join and stream with their
 * client certificates (the in-process transport has no TLS session, so node calls fail there).
 */
public final class InProcessControlPlane implements AutoCloseable {
  private final Path dataDir;
  private final UnaryOperator<ControlPlaneServer.Builder> options;
  private final boolean tls;
  private int port;
  private ControlPlaneServer server;
  private ManagedChannel channel;
  private final Map<String, ManagedChannel> nodeChannels = new HashMap<>();

  /** The status a call failed with; fails the test when the call succeeds. */
  public static io.grpc.StatusRuntimeException failure(Runnable call) {
    try {
      call.run();
    } catch (io.grpc.StatusRuntimeException e) {
      return e;
    }
    throw new AssertionError("call succeeded");
  }

  public InProcessControlPlane(Path dataDir) throws IOException {
    this(dataDir, UnaryOperator.identity());
  }

  /** With further builder settings, e.g. a fixed clock. */
  public InProcessControlPlane(Path dataDir, UnaryOperator<ControlPlaneServer.Builder> options)
      throws IOException {
    this(dataDir, options, false);
  }

  private InProcessControlPlane(
      Path dataDir, UnaryOperator<ControlPlaneServer.Builder> options, boolean tls)
      throws IOException {
    this.dataDir = dataDir;
    this.options = options;
    this.tls = tls;
    start();
  }

  /** On 127.0.0.1 (a free port, kept across restarts) with TLS, as in production. */
  public static InProcessControlPlane overTls(
      Path dataDir, UnaryOperator<ControlPlaneServer.Builder> options) throws IOException {
    return new InProcessControlPlane(dataDir, options, true);
  }

  private void start() throws IOException {
    if (tls) {
      server =
          options
              .apply(
                  ControlPlaneServer.builder()
                      .dataDir(dataDir)
                      .bindAddress("127.0.0.1")
                      .grpcPort(port))
              .build()
              .start();
      port = server.port();
      channel = NettyChannelBuilder.forAddress("127.0.0.1", port, tls(server)).build();
      return;
    }
    String name = InProcessServerBuilder.generateName();
    server =
        options
            .apply(
                ControlPlaneServer.builder()
                    .dataDir(dataDir)
                    .serverBuilder(InProcessServerBuilder.forName(name)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  /** Closes and starts again on the same data directory. */
  public void restart() throws IOException {
    close();
    start();
  }

  public ControlPlaneServer server() {
    return server;
  }

  public ManagedChannel channel() {
    return channel;
  }

  public ManagementServiceGrpc.ManagementServiceBlockingStub admin() {
    return withToken(ManagementServiceGrpc.newBlockingStub(channel), server.adminToken());
  }

  /**
   * A discovery stub of node {@code nodeId}: on a connection that presents the certificate the node
   * got by joining with a join token (made once per id; {@link #overTls} only).
   */
  public ConfigDiscoveryGrpc.ConfigDiscoveryStub node(String nodeId) {
    return ConfigDiscoveryGrpc.newStub(nodeChannel(nodeId));
  }

  /** A channel of node {@code nodeId} that presents its client certificate. */
  public synchronized ManagedChannel nodeChannel(String nodeId) {
    if (!tls) {
      throw new IllegalStateException("nodes need TLS: use InProcessControlPlane.overTls");
    }
    return nodeChannels.computeIfAbsent(
        nodeId,
        id ->
            NettyChannelBuilder.forAddress(
                    "127.0.0.1", port, TestNodes.credentials(server, channel, id))
                .build());
  }

  /** TLS credentials that trust this control plane's own CA, as the CLI and nodes do. */
  public static io.grpc.ChannelCredentials tls(ControlPlaneServer server)
      throws java.io.IOException {
    return io.grpc.TlsChannelCredentials.newBuilder()
        .trustManager(server.caCertificateFile().toFile())
        .build();
  }

  public static <S extends AbstractStub<S>> S withToken(S stub, String token) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  @Override
  public synchronized void close() {
    nodeChannels.values().forEach(ManagedChannel::shutdownNow);
    nodeChannels.clear();
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
  }
}
