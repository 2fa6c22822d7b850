package dev.concierge.dataplane.jwt;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.JwtClaims;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Applies a route's JWT policy: a request without a token is answered 401 with {@code
 * WWW-Authenticate: Bearer realm="..."}, one whose token fails with {@code error="invalid_token"}
 * and the reason (RFC 6750), both through {@link ErrorAnswers}, completing the callback. A request
 * whose token passes goes on with its claims in {@link RequestContext#jwtClaims()}, the configured
 * claim headers set and the credential stripped (unless forward_token). When the token's key is not
 * known yet and the policy's JWK Set is being fetched (the first fetch, or a rate-limited early one
 * for an unknown kid), the request waits for that fetch asynchronously, at most 2 s, and is then
 * checked again on the server's executor; no thread blocks. The token is never logged. A route
 * without the policy costs a slot read. Non-blocking.
 */
public final class JwtAuthHandler extends RouteScopedHandler {
  public JwtAuthHandler(@Nullable Handler next) {
    super(next);
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    JwtAuthPolicy policy = context.policies().get(JwtAuthPolicy.KEY);
    if (policy.isNone()) {
      return next(request, response, callback);
    }
    String token = policy.token(request);
    if (token == null) {
      response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, policy.challenge());
      ErrorAnswers.write(
          request, response, callback, HttpStatus.UNAUTHORIZED_401, "unauthorized: no token");
      return true;
    }
    JwtVerifier.Outcome outcome = policy.verify(token, context.currentTimeMillis());
    if (outcome instanceof JwtVerifier.NoKey) {
      CompletableFuture<?> coming = policy.keysComing();
      if (coming != null) {
        var unused =
            coming.whenCompleteAsync(
                (keys, failure) -> {
                  try {
                    if (!finish(
                        policy,
                        policy.verify(token, context.currentTimeMillis()),
                        context,
                        request,
                        response,
                        callback)) {
                      // No later stage took it (only outside a full chain): answer as Jetty would.
                      Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
                    }
                  } catch (Throwable t) {
                    callback.failed(t);
                  }
                },
                request.getComponents().getExecutor());
        return true;
      }
    }
    return finish(policy, outcome, context, request, response, callback);
  }

  private boolean finish(
      JwtAuthPolicy policy,
      JwtVerifier.Outcome outcome,
      RequestContext context,
      Request request,
      Response response,
      Callback callback)
      throws Exception {
    if (outcome instanceof JwtVerifier.Verified verified) {
      context.jwtClaims(JwtClaims.of(verified.claims().getClaims()));
      return next(policy.authenticated(request, verified.claims()), response, callback);
    }
    String reason =
        outcome instanceof JwtVerifier.Refused refused ? refused.reason() : "no key for the token";
    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, policy.challenge(reason));
    ErrorAnswers.write(
        request, response, callback, HttpStatus.UNAUTHORIZED_401, "unauthorized: " + reason);
    return true;
  }
}
