package dev.concierge.controlplane.management;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.PreconditionFailure;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.jspecify.annotations.Nullable;

/** The one mapping from a store's refusal to the gRPC status a management call answers. */
final class StoreStatus {
  private StoreStatus() {}

  /**
   * NOT_FOUND, ALREADY_EXISTS, ABORTED for a stale etag, FAILED_PRECONDITION with a {@link
   * PreconditionFailure} naming each referrer for IN_USE, INVALID_ARGUMENT with field violations
   * for missing references and bad page requests, UNAVAILABLE when the database failed.
   *
   * @param kind the kind the call is about, which the referrers of IN_USE refer to; null for calls
   *     about no kind
   */
  static StatusRuntimeException of(StoreException e, @Nullable ResourceKind kind) {
    return switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND.withDescription(e.getMessage()).asRuntimeException();
      case ALREADY_EXISTS ->
          Status.ALREADY_EXISTS.withDescription(e.getMessage()).asRuntimeException();
      case ETAG_MISMATCH, REVISION_MOVED ->
          Status.ABORTED.withDescription(e.getMessage()).asRuntimeException();
      case IN_USE -> inUse(e, kind);
      case MISSING_REFERENCE ->
          new FieldViolations()
              .add("references", String.valueOf(e.getMessage()))
              .toException("invalid request");
      case INVALID_PAGE_TOKEN ->
          new FieldViolations()
              .add("page_token", String.valueOf(e.getMessage()))
              .toException("invalid request");
      case INVALID_PAGE_SIZE ->
          new FieldViolations()
              .add("page_size", String.valueOf(e.getMessage()))
              .toException("invalid request");
      case UNAVAILABLE -> Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
    };
  }

  private static StatusRuntimeException inUse(StoreException e, @Nullable ResourceKind kind) {
    PreconditionFailure.Builder failure = PreconditionFailure.newBuilder();
    for (String referrer : e.names()) {
      failure.addViolations(
          PreconditionFailure.Violation.newBuilder()
              .setType("IN_USE")
              .setSubject(referrer)
              .setDescription(
                  (kind == null ? referrer : ResourceTable.describeReferrer(referrer, kind))
                      + "; change or delete it first"));
    }
    return StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Code.FAILED_PRECONDITION_VALUE)
            .setMessage(e.getMessage())
            .addDetails(Any.pack(failure.build()))
            .build());
  }
}
