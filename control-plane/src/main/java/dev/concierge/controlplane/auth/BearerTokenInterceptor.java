package dev.concierge.controlplane.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Lets a call through only when it carries "authorization: Bearer &lt;token&gt;" with the expected
 * token.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
  /** The metadata key of the bearer token. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String PREFIX = "bearer ";

  private final byte[] expected;

  private BearerTokenInterceptor(String token) {
    this.expected = token.getBytes(StandardCharsets.UTF_8);
  }

  /** Accepts calls carrying this token. */
  public static BearerTokenInterceptor of(String token) {
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException("token must not be empty");
    }
    return new BearerTokenInterceptor(token);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (!authorized(headers.get(AUTHORIZATION))) {
      call.close(
          Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }

  private boolean authorized(String header) {
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return false;
    }
    byte[] presented = header.substring(PREFIX.length()).trim().getBytes(StandardCharsets.UTF_8);
    // Constant time: how much of a guess matches must not show in the response time.
    return MessageDigest.isEqual(presented, expected);
  }
}
