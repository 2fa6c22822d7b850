package dev.concierge.controlplane.metrics;

import static java.util.Objects.requireNonNull;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.function.BiConsumer;

/**
 * Tells every finished call's method (bare name, e.g. "CreateRoute") and status code (e.g. "OK") to
 * a counter. Calls refused by interceptors further in are counted too.
 */
final class CallCounter implements ServerInterceptor {
  private final BiConsumer<String, String> count;

  CallCounter(BiConsumer<String, String> count) {
    this.count = requireNonNull(count, "count");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getBareMethodName();
    String name = method == null ? call.getMethodDescriptor().getFullMethodName() : method;
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            count.accept(name, status.getCode().name());
            super.close(status, trailers);
          }
        },
        headers);
  }
}
