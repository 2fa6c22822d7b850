package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Empty;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.RevokeNodeRequest;
import dev.concierge.controlplane.auth.Caller;
import dev.concierge.controlplane.crypto.NodeCertificates;
import dev.concierge.controlplane.store.JdbcRevokedNodes;
import dev.concierge.controlplane.store.StoreException;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.Set;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RevokeNode RPC of ManagementService ({@link #METHODS}): records the revocation, which the
 * node certificate check and the join read from then on, and ends the node's open streams at once.
 * Thread-safe.
 */
public final class NodeRevocationService extends ManagementServiceGrpc.ManagementServiceImplBase {
  /** The methods this class implements. */
  public static final Set<String> METHODS = Set.of("RevokeNode");

  private static final Logger log = LoggerFactory.getLogger(NodeRevocationService.class);

  private final JdbcRevokedNodes revoked;
  private final BiConsumer<String, String> disconnect;
  private final Clock clock;

  /**
   * @param disconnect ends the streams of a node id, with a reason, on this control plane
   */
  public NodeRevocationService(
      JdbcRevokedNodes revoked, BiConsumer<String, String> disconnect, Clock clock) {
    this.revoked = requireNonNull(revoked, "revoked");
    this.disconnect = requireNonNull(disconnect, "disconnect");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public void revokeNode(RevokeNodeRequest request, StreamObserver<Empty> out) {
    String id = request.getNodeId();
    if (id.startsWith("nodes/")) {
      id = id.substring("nodes/".length());
    }
    if (!NodeCertificates.NODE_ID.matcher(id).matches()) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("node_id must be 1-128 of [A-Za-z0-9._:-]")
              .asRuntimeException());
      return;
    }
    try {
      revoked.revoke(id, clock.instant(), Caller.name());
    } catch (StoreException e) {
      out.onError(Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    // Streams on other control planes of a shared database end at the node's next call there;
    // their certificate check reads the same table.
    disconnect.accept(id, "node \"" + id + "\" is revoked");
    log.info("revoked node {} (by {})", id, Caller.name());
    out.onNext(Empty.getDefaultInstance());
    out.onCompleted();
  }
}
