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
 * Lets a management call through when its bearer token is one of {@link TokenRegistry}'s and its
 * role allows the method, and names the caller in the call's {@link Context} (see {@link Caller}).
 *
 * <p>A read-only token may call only the methods {@link MethodAccess} calls reads; any other
 * answers PERMISSION_DENIED before its request is read, so {@code validate_only} and dry runs are
 * refused too: the role is decided by the method alone.
 */
public final class AdminAuthInterceptor implements ServerInterceptor {
  /** The metadata key of the bearer token. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static final String PREFIX = "bearer ";

  private final TokenRegistry tokens;

  public AdminAuthInterceptor(TokenRegistry tokens) {
    this.tokens = requireNonNull(tokens, "tokens");
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    Optional<Principal> principal;
    try {
      principal = authenticate(headers.get(AUTHORIZATION));
    } catch (RuntimeException e) {
      call.close(
          Status.UNAVAILABLE.withDescription("cannot check the token: " + e.getMessage()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (principal.isEmpty()) {
      call.close(
          Status.UNAUTHENTICATED.withDescription("missing or invalid bearer token"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    Principal p = principal.get();
    Context caller = Caller.authenticated(p.name());
    String method = call.getMethodDescriptor().getBareMethodName();
    if (method == null || !p.mayCall(method)) {
      call.close(
          Status.PERMISSION_DENIED.withDescription(
              "token \""
                  + p.name()
                  + "\" has the role "
                  + Principal.spelled(p.role())
                  + ", which may only get, list and export; "
                  + method
                  + " needs an admin token"),
          new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return Contexts.interceptCall(caller, call, headers, next);
  }

  /**
   * Who an Authorization header's bearer token names, if anyone: the rule every call is checked by,
   * for callers that need the role before calling (the dashboard shows admin buttons by it).
   */
  public Optional<Principal> authenticate(@Nullable String authorization) {
    return secret(authorization).flatMap(tokens::find);
  }

  private static Optional<String> secret(@Nullable String header) {
    if (header == null || !header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      return Optional.empty();
    }
    String secret = header.substring(PREFIX.length()).trim();
    return secret.isEmpty() ? Optional.empty() : Optional.of(secret);
  }
}
