package dev.concierge.controlplane;

import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A real control plane (store on a temp dir) served over the in-process transport, with stubs. */
public final class InProcessControlPlane implements AutoCloseable {
  private final Path dataDir;
  private final UnaryOperator<ControlPlaneServer.Builder> options;
  private ControlPlaneServer server;
  private ManagedChannel channel;

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
    this.dataDir = dataDir;
    this.options = options;
    start();
  }

  private void start() throws IOException {
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

  public ConfigDiscoveryGrpc.ConfigDiscoveryStub node() {
    return withToken(ConfigDiscoveryGrpc.newStub(channel), server.nodeToken());
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
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
  }
}
