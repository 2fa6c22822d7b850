package dev.concierge.dataplane.consumer;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Applies a route's key_auth: a request without a key, or with one no consumer holds (or expired),
 * is answered 401 with {@code WWW-Authenticate: Key realm="..."} through the node's error answers,
 * and one of a consumer the policy does not allow 403; the callback is then completed. Any other
 * goes on as its consumer's ({@link RequestContext#consumer()}, {@code X-Consumer-Username}), the
 * key stripped unless the policy keeps it. One SHA-256 and one map lookup per request; a route
 * without key_auth costs a slot read. Non-blocking.
 */
public final class KeyAuthHandler extends RouteScopedHandler {
  public KeyAuthHandler(@Nullable Handler next) {
    super(next);
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    KeyAuthPolicy policy = context.policies().get(KeyAuthPolicy.KEY);
    if (policy.isNone()) {
      return next(request, response, callback);
    }
    String key = policy.presentedKey(request);
    if (key == null) {
      return Unauthorized.answer(
          request, response, callback, policy.challenge(), "unauthorized: no API key");
    }
    ConsumerKeys.Holder holder = policy.holder(key);
    if (holder == null || holder.expireEpochMillis() <= context.currentTimeMillis()) {
      return Unauthorized.answer(
          request, response, callback, policy.challenge(), "unauthorized: invalid API key");
    }
    if (!policy.allows(holder.consumer())) {
      return Unauthorized.forbidden(request, response, callback, holder.consumer());
    }
    context.consumer(holder.consumer());
    return next(policy.forward(request, holder.consumer()), response, callback);
  }
}
