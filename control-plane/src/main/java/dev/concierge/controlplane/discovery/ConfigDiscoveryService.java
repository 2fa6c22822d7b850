package dev.concierge.controlplane.discovery;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.controlplane.fleet.NodeRegistry;
import dev.concierge.controlplane.snapshot.SnapshotCache;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ConfigDiscovery: one {@link NodeStream} per node stream, each offered every new snapshot.
 * Thread-safe.
 */
public final class ConfigDiscoveryService extends ConfigDiscoveryGrpc.ConfigDiscoveryImplBase
    implements AutoCloseable {
  private final SnapshotCache snapshots;
  private final NodeRegistry registry;
  private final Set<NodeStream> streams = ConcurrentHashMap.newKeySet();

  public ConfigDiscoveryService(SnapshotCache snapshots, NodeRegistry registry) {
    this.snapshots = requireNonNull(snapshots, "snapshots");
    this.registry = requireNonNull(registry, "registry");
    snapshots.addListener(this::publish);
  }

  @Override
  public StreamObserver<ConfigRequest> streamConfig(
      StreamObserver<ConfigResponse> responseObserver) {
    NodeStream stream =
        new NodeStream(
            (ServerCallStreamObserver<ConfigResponse>) responseObserver,
            snapshots,
            registry,
            streams::remove);
    streams.add(stream);
    return stream;
  }

  /** Streams open now. */
  public int streamCount() {
    return streams.size();
  }

  private void publish(ConfigSnapshot snapshot) {
    for (NodeStream stream : streams) {
      stream.offer(snapshot);
    }
  }

  /** Ends every stream with UNAVAILABLE, so nodes fail over or retry. */
  @Override
  public void close() {
    for (NodeStream stream : List.copyOf(streams)) {
      stream.shutdown();
    }
  }
}
