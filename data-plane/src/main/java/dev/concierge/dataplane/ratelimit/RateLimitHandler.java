package dev.concierge.dataplane.ratelimit;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import java.util.concurrent.CompletableFuture;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Applies a route's rate limits: a request that finds a limit's bucket empty is answered 429
 * through {@link ErrorAnswers} with {@code Retry-After} (seconds until a token, rounded up) and the
 * callback is completed; any other goes on. Both carry the {@code RateLimit-Policy} and {@code
 * RateLimit} fields of draft-ietf-httpapi-ratelimit-headers for each enforcing limit ({@code
 * "id";q=BURST;w=SECONDS} and {@code "id";r=REMAINING;t=SECONDS}); a dry-run limit only counts and
 * writes nothing. A route without a limit costs a slot read. Non-blocking: a request whose GLOBAL
 * limit must first ask the shared store returns {@code true} at once and is decided (and passed on
 * or answered) when the store's answer is in.
 */
public final class RateLimitHandler extends RouteScopedHandler {
  /** The draft's field naming the quota policies. */
  public static final String POLICY_FIELD = "RateLimit-Policy";

  /** The draft's field with the remaining quota and its reset. */
  public static final String LIMIT_FIELD = "RateLimit";

  public RateLimitHandler(@Nullable Handler next) {
    super(next);
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    RateLimitPolicy policy = context.policies().get(RateLimitPolicy.KEY);
    if (policy.isNone()) {
      return next(request, response, callback);
    }
    return decide(policy, context, request, response, callback);
  }

  private boolean decide(
      RateLimitPolicy policy,
      RequestContext context,
      Request request,
      Response response,
      Callback callback)
      throws Exception {
    Fields fields = new Fields();
    Admission admission = policy.admit(request.getHeaders(), context, fields);
    CompletableFuture<Void> retry = admission.retry();
    if (retry != null) {
      // A GLOBAL limit asks the shared store: no thread waits; the request is decided again on the
      // server's executor (never on the store client's I/O thread) when the answer is in.
      var unused =
          retry.whenComplete(
              (ignored, failure) ->
                  request
                      .getContext()
                      .execute(() -> resume(policy, context, request, response, callback)));
      return true;
    }
    fields.writeTo(response.getHeaders());
    if (admission.admitted()) {
      return next(request, response, callback);
    }
    response
        .getHeaders()
        .put(HttpHeader.RETRY_AFTER, Long.toString(RateLimitRule.ceilSeconds(fields.waitNanos)));
    ErrorAnswers.write(
        request,
        response,
        callback,
        HttpStatus.TOO_MANY_REQUESTS_429,
        "too many requests: rate limit " + fields.refusedBy + " has no token left");
    return true;
  }

  /** Decides a request that waited; the callback is completed whatever happens. */
  private void resume(
      RateLimitPolicy policy,
      RequestContext context,
      Request request,
      Response response,
      Callback callback) {
    try {
      if (!decide(policy, context, request, response, callback)) {
        Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
      }
    } catch (Throwable x) {
      Response.writeError(request, response, callback, x);
    }
  }

  /** The fields of one request's answer, gathered from each limit's verdict. */
  private static final class Fields implements RateLimitPolicy.Verdict {
    private final StringBuilder policies = new StringBuilder();
    private final StringBuilder limits = new StringBuilder();
    private long waitNanos;
    private String refusedBy = "";

    @Override
    public void passed(RateLimitRule rule, long fullInNanos) {
      if (!rule.dryRun()) {
        add(rule, rule.remaining(fullInNanos), RateLimitRule.ceilSeconds(fullInNanos));
      }
    }

    @Override
    public void refused(RateLimitRule rule, long waitNanos) {
      add(rule, 0, RateLimitRule.ceilSeconds(waitNanos));
      if (waitNanos > this.waitNanos) {
        this.waitNanos = waitNanos;
        this.refusedBy = rule.policy();
      }
    }

    private void add(RateLimitRule rule, long remaining, long resetSeconds) {
      String policyField = rule.policyField();
      if (!policies.isEmpty()) {
        policies.append(", ");
        limits.append(", ");
      }
      policies.append(policyField);
      // The item's name is the policy field's up to its first parameter.
      limits
          .append(policyField, 0, policyField.indexOf(';'))
          .append(";r=")
          .append(remaining)
          .append(";t=")
          .append(resetSeconds);
    }

    void writeTo(HttpFields.Mutable headers) {
      if (!policies.isEmpty()) {
        headers.put(POLICY_FIELD, policies.toString());
        headers.put(LIMIT_FIELD, limits.toString());
      }
    }
  }
}
