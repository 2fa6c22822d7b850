package dev.concierge.controlplane.discovery;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.controlplane.auth.NodeCaller;
import dev.concierge.controlplane.fleet.NodeRegistry;
import dev.concierge.controlplane.snapshot.SnapshotCache;
import io.grpc.BindableService;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ConfigDiscovery: one {@link NodeStream} per node stream, each offered every new snapshot.
 * Thread-safe.
 */
public final class ConfigDiscoveryService
    implements ConfigDiscoveryGrpc.AsyncService, BindableService, AutoCloseable {
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
            NodeCaller.current(),
            snapshots,
            registry,
            streams::remove);
    streams.add(stream);
    return stream;
  }

  /**
   * The generated service, except that responses go through a {@link SharedSnapshotMarshaller}:
   * each revision's snapshot is encoded once for all streams.
   */
  @Override
  public ServerServiceDefinition bindService() {
    ServerServiceDefinition generated = ConfigDiscoveryGrpc.bindService(this);
    ServiceDescriptor descriptor = generated.getServiceDescriptor();
    SharedSnapshotMarshaller responses = new SharedSnapshotMarshaller();
    ServiceDescriptor.Builder service =
        ServiceDescriptor.newBuilder(descriptor.getName())
            .setSchemaDescriptor(descriptor.getSchemaDescriptor());
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    for (ServerMethodDefinition<?, ?> method : generated.getMethods()) {
      if (method
          .getMethodDescriptor()
          .getFullMethodName()
          .equals(ConfigDiscoveryGrpc.getStreamConfigMethod().getFullMethodName())) {
        @SuppressWarnings("unchecked")
        ServerMethodDefinition<ConfigRequest, ConfigResponse> stream =
            (ServerMethodDefinition<ConfigRequest, ConfigResponse>) method;
        method =
            ServerMethodDefinition.create(
                stream.getMethodDescriptor().toBuilder().setResponseMarshaller(responses).build(),
                stream.getServerCallHandler());
      }
      service.addMethod(method.getMethodDescriptor());
      methods.add(method);
    }
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service.build());
    methods.forEach(definition::addMethod);
    return definition.build();
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

  /** Ends the streams of this node with PERMISSION_DENIED, e.g. when it is revoked. */
  public void disconnect(String nodeId, String reason) {
    for (NodeStream stream : List.copyOf(streams)) {
      if (nodeId.equals(stream.certifiedNodeId())) {
        stream.end(Status.PERMISSION_DENIED.withDescription(reason));
      }
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
