package dev.concierge.controlplane.auth;

import static java.util.Objects.requireNonNull;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Lets a management call through when its bearer token is one of {@link TokenRegistry}'s, and names
 * the caller in the call's {@link Context} (see {@link Caller}).
 */
public final class AdminAuthInterceptor implements ServerInterceptor {
  private static final String PREFIX = "bearer ";

  private final TokenRegistry tokens;

  public AdminAuthInterceptor(TokenRegistry tokens) {
    this.tokens = requireNonNull(tokens, "tokens");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Optional<String> name;
    try {
      name = secret(headers.get(BearerTokenInterceptor.AUTHORIZATION)).flatMap(tokens::nameOf);
    } catch (RuntimeException e) {
      call.close(
          Status.UNAVAILABLE.withDescription("cannot check the token: " + e.getMessage()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (name.isEmpty()) {
      call.close(
          Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(Caller.authenticated(name.get()), call, headers, next);
  }

  private static Optional<String> secret(@Nullable String header) {
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return Optional.empty();
    }
    String secret = header.substring(PREFIX.length()).trim();
    return secret.isEmpty() ? Optional.empty() : Optional.of(secret);
  }
}
