package dev.concierge.dataplane.access;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import dev.concierge.dataplane.client.ClientAddress;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Applies a route's IP access lists before anything else of the route runs (no redirect, body read
 * or upstream connection for a refused client): a request whose address a list refuses is answered
 * 403 through {@link ErrorAnswers} with the judged address in the reason, and the callback is
 * completed; any other goes on. A route without IP access costs a slot read. Non-blocking.
 */
public final class IpAccessHandler extends RouteScopedHandler {
  public IpAccessHandler(@Nullable Handler next) {
    super(next);
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    IpAccessPolicy policy = context.policies().get(IpAccessPolicy.KEY);
    if (policy.isNone()) {
      return next(request, response, callback);
    }
    ClientAddress refused =
        policy.refused(context, policy.judgesPeer() ? ClientAddress.peerOf(request) : null);
    if (refused == null) {
      return next(request, response, callback);
    }
    ErrorAnswers.write(
        request,
        response,
        callback,
        HttpStatus.FORBIDDEN_403,
        "forbidden: client address " + refused.text() + " is not allowed");
    return true;
  }
}
