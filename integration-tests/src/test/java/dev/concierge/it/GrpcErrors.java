package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.List;

/** What a refused management call says beyond its status code. */
final class GrpcErrors {
  private GrpcErrors() {}

  /** The fields named by the google.rpc.BadRequest details of the error. */
  static List<String> fieldsOf(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    assertThat(status).as("status details").isNotNull();
    return status.getDetailsList().stream()
        .filter(any -> any.is(BadRequest.class))
        .flatMap(
            any -> {
              try {
                return any.unpack(BadRequest.class).getFieldViolationsList().stream();
              } catch (InvalidProtocolBufferException ex) {
                throw new AssertionError(ex);
              }
            })
        .map(BadRequest.FieldViolation::getField)
        .toList();
  }
}
