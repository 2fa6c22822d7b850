package dev.concierge.dataplane.consumer;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Applies a route's basic_auth: a request without Basic credentials, with a username no consumer
 * has, or with a wrong password is answered 401 with {@code WWW-Authenticate: Basic realm="..."}
 * through the node's error answers, and one of a consumer the policy does not allow 403; the
 * callback is then completed. Any other goes on as its consumer's ({@link
 * RequestContext#consumer()}, {@code X-Consumer-Username}), Authorization stripped unless the
 * policy keeps it. A password that verified before (per username, by salted digest) passes at once;
 * a new one is checked with bcrypt/argon2 on {@link PasswordChecks}' threads, and the request goes
 * on from there (503 when too many checks wait). A route without basic_auth costs a slot read.
 * Non-blocking.
 */
public final class BasicAuthHandler extends RouteScopedHandler {
  private final @Nullable Executor checks;

  public BasicAuthHandler(@Nullable Handler next) {
    this(next, null);
  }

  /**
   * @param checks runs the slow password checks; null for the shared {@link PasswordChecks}
   */
  BasicAuthHandler(@Nullable Handler next, @Nullable Executor checks) {
    super(next);
    this.checks = checks;
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    BasicAuthPolicy policy = context.policies().get(BasicAuthPolicy.KEY);
    if (policy.isNone()) {
      return next(request, response, callback);
    }
    String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    int colon = -1;
    String decoded = authorization == null ? null : decode(authorization);
    if (decoded != null) {
      colon = decoded.indexOf(':');
    }
    if (decoded == null || colon < 0) {
      return Unauthorized.answer(
          request, response, callback, policy.challenge(), "unauthorized: no Basic credentials");
    }
    BasicCredentials.Entry entry = policy.entry(decoded.substring(0, colon));
    if (entry == null) {
      return Unauthorized.answer(
          request, response, callback, policy.challenge(), "unauthorized: invalid credentials");
    }
    String password = decoded.substring(colon + 1);
    byte[] digest = BasicCredentials.digest(password);
    if (entry.verifiedBefore(digest)) {
      return pass(context, policy, entry, request, response, callback);
    }
    try {
      executor()
          .execute(
              () -> {
                try {
                  if (!entry.verify(password, digest)) {
                    Unauthorized.answer(
                        request,
                        response,
                        callback,
                        policy.challenge(),
                        "unauthorized: invalid credentials");
                  } else if (!pass(context, policy, entry, request, response, callback)) {
                    ErrorAnswers.write(
                        request, response, callback, HttpStatus.NOT_FOUND_404, "no route");
                  }
                } catch (Throwable x) {
                  // Past handle() a failure is ours to report, as Jetty would for a throwing
                  // handler.
                  callback.failed(x);
                }
              });
    } catch (RejectedExecutionException e) {
      ErrorAnswers.write(
          request,
          response,
          callback,
          HttpStatus.SERVICE_UNAVAILABLE_503,
          "too many password checks in progress");
    }
    return true;
  }

  private Executor executor() {
    Executor own = checks;
    return own != null ? own : PasswordChecks.shared();
  }

  private boolean pass(
      RequestContext context,
      BasicAuthPolicy policy,
      BasicCredentials.Entry entry,
      Request request,
      Response response,
      Callback callback)
      throws Exception {
    String consumer = entry.consumer();
    if (!policy.allows(consumer)) {
      return Unauthorized.forbidden(request, response, callback, consumer);
    }
    context.consumer(consumer);
    return next(policy.forward(request, consumer), response, callback);
  }

  /** "user:password" of an {@code Authorization: Basic ...} value, or null for any other. */
  static @Nullable String decode(String authorization) {
    String value = requireNonNull(authorization, "authorization").strip();
    if (value.length() < 6 || !value.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    try {
      return new String(
          Base64.getDecoder().decode(value.substring(6).strip()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
