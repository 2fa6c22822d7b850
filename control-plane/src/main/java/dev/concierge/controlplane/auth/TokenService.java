package dev.concierge.controlplane.auth;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Empty;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ApiToken;
import dev.concierge.api.v1.CreateJoinTokenRequest;
import dev.concierge.api.v1.CreateJoinTokenResponse;
import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.CreateTokenResponse;
import dev.concierge.api.v1.DeleteTokenRequest;
import dev.concierge.api.v1.JoinToken;
import dev.concierge.api.v1.ListJoinTokensRequest;
import dev.concierge.api.v1.ListJoinTokensResponse;
import dev.concierge.api.v1.ListTokensRequest;
import dev.concierge.api.v1.ListTokensResponse;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.RevokeJoinTokenRequest;
import dev.concierge.api.v1.TokenRole;
import dev.concierge.controlplane.store.JoinTokenRow;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.TokenRow;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The token RPCs of ManagementService ({@link #METHODS}): management tokens and node join tokens;
 * the other methods of this base class are not served from here (see ControlPlaneServer).
 * Thread-safe.
 */
public final class TokenService extends ManagementServiceGrpc.ManagementServiceImplBase {
  /** The methods this class implements. */
  public static final Set<String> METHODS =
      Set.of(
          "CreateToken",
          "ListTokens",
          "DeleteToken",
          "CreateJoinToken",
          "ListJoinTokens",
          "RevokeJoinToken");

  private final TokenRegistry tokens;
  private final JoinTokens joinTokens;

  public TokenService(TokenRegistry tokens, JoinTokens joinTokens) {
    this.tokens = requireNonNull(tokens, "tokens");
    this.joinTokens = requireNonNull(joinTokens, "joinTokens");
  }

  @Override
  public void createJoinToken(
      CreateJoinTokenRequest request, StreamObserver<CreateJoinTokenResponse> out) {
    respond(
        out,
        () -> {
          java.time.Duration ttl = ProtoTime.duration(request.getTtl());
          if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must be positive");
          }
          JoinTokens.Created created = joinTokens.create(ttl, Caller.name());
          return CreateJoinTokenResponse.newBuilder()
              .setToken(proto(created.token()))
              .setSecret(created.secret())
              .build();
        });
  }

  @Override
  public void listJoinTokens(
      ListJoinTokensRequest request, StreamObserver<ListJoinTokensResponse> out) {
    respond(
        out,
        () -> {
          ListJoinTokensResponse.Builder b = ListJoinTokensResponse.newBuilder();
          joinTokens.list().forEach(r -> b.addTokens(proto(r)));
          return b.build();
        });
  }

  @Override
  public void revokeJoinToken(RevokeJoinTokenRequest request, StreamObserver<Empty> out) {
    respond(
        out,
        () -> {
          joinTokens.revoke(request.getId());
          return Empty.getDefaultInstance();
        });
  }

  private static JoinToken proto(JoinTokenRow r) {
    return JoinToken.newBuilder()
        .setId(r.id())
        .setCreateTime(ProtoTime.timestamp(r.createTime()))
        .setExpireTime(ProtoTime.timestamp(r.expireTime()))
        .setCreatedBy(r.createdBy())
        .build();
  }

  @Override
  public void createToken(CreateTokenRequest request, StreamObserver<CreateTokenResponse> out) {
    respond(
        out,
        () -> {
          TokenRegistry.Created created =
              tokens.create(request.getName(), request.getRole(), Caller.name());
          return CreateTokenResponse.newBuilder()
              .setToken(proto(created.token()))
              .setSecret(created.secret())
              .build();
        });
  }

  @Override
  public void listTokens(ListTokensRequest request, StreamObserver<ListTokensResponse> out) {
    respond(
        out,
        () -> {
          ListTokensResponse.Builder b =
              ListTokensResponse.newBuilder()
                  .addTokens(
                      ApiToken.newBuilder()
                          .setName(TokenRegistry.BOOTSTRAP)
                          .setRole(TokenRole.TOKEN_ROLE_ADMIN));
          List<TokenRow> rows = tokens.list();
          rows.forEach(r -> b.addTokens(proto(r)));
          return b.build();
        });
  }

  @Override
  public void deleteToken(DeleteTokenRequest request, StreamObserver<Empty> out) {
    respond(
        out,
        () -> {
          tokens.delete(request.getName());
          return Empty.getDefaultInstance();
        });
  }

  private static ApiToken proto(TokenRow r) {
    return ApiToken.newBuilder()
        .setName(r.name())
        .setRole(r.role())
        .setCreateTime(ProtoTime.timestamp(r.createTime()))
        .setCreatedBy(r.createdBy())
        .build();
  }

  private static <T> void respond(StreamObserver<T> out, Supplier<T> body) {
    T answer;
    try {
      answer = body.get();
    } catch (IllegalArgumentException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (IllegalStateException e) {
      out.onError(Status.FAILED_PRECONDITION.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (StoreException e) {
      out.onError(status(e).withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    out.onNext(answer);
    out.onCompleted();
  }

  /** The gRPC status of a store refusal. */
  public static Status status(StoreException e) {
    return switch (e.reason()) {
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case INVALID_PAGE_TOKEN, INVALID_PAGE_SIZE -> Status.INVALID_ARGUMENT;
      default -> Status.UNAVAILABLE;
    };
  }
}
