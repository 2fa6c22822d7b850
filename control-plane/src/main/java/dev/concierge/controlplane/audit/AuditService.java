package dev.concierge.controlplane.audit;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.AuditEvent;
import dev.concierge.api.v1.ListAuditEventsRequest;
import dev.concierge.api.v1.ListAuditEventsResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.controlplane.auth.TokenService;
import dev.concierge.controlplane.store.AuditRecord;
import dev.concierge.controlplane.store.JdbcAuditLog;
import dev.concierge.controlplane.store.Page;
import dev.concierge.controlplane.store.StoreException;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.Set;

/**
 * The ListAuditEvents RPC of ManagementService ({@link #METHODS}); the other methods of this base
 * class are not served from here (see ControlPlaneServer). Thread-safe.
 */
public final class AuditService extends ManagementServiceGrpc.ManagementServiceImplBase {
  /** The methods this class implements. */
  public static final Set<String> METHODS = Set.of("ListAuditEvents");

  private final JdbcAuditLog auditLog;

  public AuditService(JdbcAuditLog auditLog) {
    this.auditLog = requireNonNull(auditLog, "auditLog");
  }

  @Override
  public void listAuditEvents(
      ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> out) {
    Instant since = request.hasSince() ? ProtoTime.instant(request.getSince()) : Instant.EPOCH;
    Page<AuditRecord> page;
    try {
      page = auditLog.list(since, request.getPageSize(), request.getPageToken());
    } catch (StoreException e) {
      out.onError(TokenService.status(e).withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    ListAuditEventsResponse.Builder b =
        ListAuditEventsResponse.newBuilder().setNextPageToken(page.nextPageToken());
    for (AuditRecord r : page.items()) {
      b.addEvents(
          AuditEvent.newBuilder()
              .setTime(ProtoTime.timestamp(r.time()))
              .setTokenName(r.tokenName())
              .setClientAddress(r.clientAddress())
              .setRpc(r.rpc())
              .setResource(r.resource())
              .setCode(r.code())
              .setDetail(r.detail()));
    }
    out.onNext(b.build());
    out.onCompleted();
  }
}
