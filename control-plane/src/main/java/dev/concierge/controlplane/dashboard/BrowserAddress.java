package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import io.grpc.Attributes;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;

/**
 * Gives a management call that came through {@link ManagementBridge} the browser's address as its
 * remote address, so that the audit log names where a dashboard change came from (e.g. {@code
 * 127.0.0.1:51234 (dashboard)}) next to the token that made it. The bridge passes the address in
 * {@link #HEADER}, which only the bridge's in-process server may trust: install this there and on
 * no network port, where any client could name any address. Thread-safe.
 */
public final class BrowserAddress implements ServerInterceptor {
  /** The metadata key the bridge passes the browser's "host:port" in. */
  static final Metadata.Key<String> HEADER =
      Metadata.Key.of("concierge-dashboard-client", Metadata.ASCII_STRING_MARSHALLER);

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String client = headers.get(HEADER);
    if (client == null) {
      return next.startCall(call, headers);
    }
    headers.removeAll(HEADER);
    Attributes attributes =
        call.getAttributes().toBuilder()
            .set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, new Browser(client))
            .build();
    return next.startCall(
        new SimpleForwardingServerCall<>(call) {
          @Override
          public Attributes getAttributes() {
            return attributes;
          }
        },
        headers);
  }

  /** A browser's address as the dashboard saw it; prints as the audit log shows it. */
  static final class Browser extends SocketAddress {
    private static final long serialVersionUID = 1L;

    private final String address;

    Browser(String address) {
      this.address = requireNonNull(address, "address");
    }

    @Override
    public String toString() {
      return address + " (dashboard)";
    }
  }
}
