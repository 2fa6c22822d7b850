package dev.concierge.controlplane.discovery;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ConfigProtocol;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.controlplane.fleet.NodeRegistry;
import dev.concierge.controlplane.snapshot.SnapshotCache;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's StreamConfig stream: pushes the newest snapshot, at most one un-answered push at a
 * time, and matches ACKs and NACKs to it by nonce. Every send happens under the stream's lock, so
 * sends never overlap and at most one response is ever buffered. Thread-safe.
 */
final class NodeStream implements StreamObserver<ConfigRequest> {
  private static final Logger log = LoggerFactory.getLogger(NodeStream.class);
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private final ServerCallStreamObserver<ConfigResponse> out;
  private final @Nullable String certifiedNodeId;
  private final SnapshotCache snapshots;
  private final NodeRegistry registry;
  private final Consumer<NodeStream> onClosed;
  private final Object lock = new Object();
  // Makes nonces unique across streams, so a late answer from a node's previous stream never
  // matches a push of this one.
  private final String noncePrefix = Long.toHexString(ThreadLocalRandom.current().nextLong()) + "-";

  // All guarded by lock.
  private NodeRegistry.@Nullable Connection connection;
  private @Nullable String outstandingNonce;
  private long outstandingRevision;
  private long sentRevision = -1;
  private long nonces;
  private boolean closed;

  NodeStream(
      ServerCallStreamObserver<ConfigResponse> out,
      @Nullable String certifiedNodeId,
      SnapshotCache snapshots,
      NodeRegistry registry,
      Consumer<NodeStream> onClosed) {
    this.out = out;
    this.certifiedNodeId = certifiedNodeId;
    this.snapshots = snapshots;
    this.registry = registry;
    this.onClosed = onClosed;
    out.setOnCancelHandler(this::cancelled);
  }

  @Override
  public void onNext(ConfigRequest request) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      if (connection == null) {
        open(request);
        return;
      }
      registry.seen(connection);
      if (outstandingNonce == null || !outstandingNonce.equals(request.getResponseNonce())) {
        log.debug(
            "{}: ignoring request with stale nonce {}",
            connection.nodeId(),
            request.getResponseNonce());
        return;
      }
      outstandingNonce = null;
      if (request.getErrorDetail().isEmpty()) {
        registry.acked(connection, outstandingRevision);
      } else {
        log.info(
            "{} rejected revision {}: {}",
            connection.nodeId(),
            outstandingRevision,
            request.getErrorDetail());
        registry.nacked(connection, outstandingRevision, request.getErrorDetail());
      }
      ConfigSnapshot newest = snapshots.current();
      if (newest.getRevision() > sentRevision) {
        pushLocked(newest);
      }
    }
  }

  /** Pushes the snapshot unless a push is outstanding (the answer to it will push the newest). */
  void offer(ConfigSnapshot snapshot) {
    synchronized (lock) {
      if (closed
          || connection == null
          || outstandingNonce != null
          || snapshot.getRevision() <= sentRevision) {
        return;
      }
      pushLocked(snapshot);
    }
  }

  /** The node id of the client certificate this stream came with. */
  @Nullable String certifiedNodeId() {
    return certifiedNodeId;
  }

  /** Ends the stream from the server side, e.g. at shutdown; the node will reconnect elsewhere. */
  void shutdown() {
    end(Status.UNAVAILABLE.withDescription("control plane is shutting down"));
  }

  /** Ends the stream from the server side with this status. */
  void end(Status status) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closeLocked();
      try {
        out.onError(status.asRuntimeException());
      } catch (RuntimeException e) {
        log.debug("stream already gone: {}", e.toString());
      }
    }
  }

  private void open(ConfigRequest request) {
    if (!request.hasNode()) {
      fail(
          Status.INVALID_ARGUMENT.withDescription(
              "the first request must carry node (its id and protocol_version)"));
      return;
    }
    NodeInfo node = request.getNode();
    if (node.getProtocolVersion() != ConfigProtocol.VERSION) {
      fail(
          Status.FAILED_PRECONDITION.withDescription(
              "protocol version "
                  + node.getProtocolVersion()
                  + " not supported; this control plane speaks "
                  + ConfigProtocol.VERSION));
      return;
    }
    if (!NODE_ID.matcher(node.getId()).matches()) {
      fail(
          Status.INVALID_ARGUMENT.withDescription(
              "the first request must carry node.id: 1-128 of [A-Za-z0-9._:-]"));
      return;
    }
    if (certifiedNodeId == null) {
      fail(Status.UNAUTHENTICATED.withDescription("a node client certificate is required"));
      return;
    }
    if (!certifiedNodeId.equals(node.getId())) {
      fail(
          Status.PERMISSION_DENIED.withDescription(
              "node.id \""
                  + node.getId()
                  + "\" is not the id of the client certificate (\""
                  + certifiedNodeId
                  + "\")"));
      return;
    }
    connection = registry.connected(node, request.getRevision());
    log.info(
        "node {} connected ({} {}, serving revision {})",
        node.getId(),
        node.getAddress(),
        node.getVersion(),
        request.getRevision());
    pushLocked(snapshots.current());
  }

  private void pushLocked(ConfigSnapshot snapshot) {
    String nonce = noncePrefix + ++nonces;
    outstandingNonce = nonce;
    outstandingRevision = snapshot.getRevision();
    sentRevision = snapshot.getRevision();
    registry.sent(requireNonNull(connection, "pushed only once open"), snapshot.getRevision());
    out.onNext(ConfigResponse.newBuilder().setNonce(nonce).setSnapshot(snapshot).build());
  }

  private void fail(Status status) {
    closeLocked();
    out.onError(status.asRuntimeException());
  }

  @Override
  public void onError(Throwable t) {
    synchronized (lock) {
      closeLocked();
    }
  }

  @Override
  public void onCompleted() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closeLocked();
      out.onCompleted();
    }
  }

  private void cancelled() {
    synchronized (lock) {
      closeLocked();
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    if (connection != null) {
      registry.disconnected(connection);
      log.info("node {} disconnected", connection.nodeId());
    }
    onClosed.accept(this);
  }
}
