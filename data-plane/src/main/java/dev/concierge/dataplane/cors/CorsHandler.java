package dev.concierge.dataplane.cors;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Applies a route's CORS policy. A preflight ({@code OPTIONS} with {@code Origin} and {@code
 * Access-Control-Request-Method}) is answered here and never forwarded: 204 with the allow fields
 * when the origin and method are allowed, else 200 without them (as Envoy with {@code
 * forward_not_matching_preflights} off); the callback is completed. Any other request goes on; from
 * an allowed origin its upstream response head gets the policy's fields. Requests without {@code
 * Origin} and routes without CORS go on untouched (a slot read). Non-blocking.
 */
public final class CorsHandler extends RouteScopedHandler {
  public CorsHandler(@Nullable Handler next) {
    super(next);
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    CorsPolicy policy = context.policies().get(CorsPolicy.KEY);
    if (policy.isNone()) {
      return next(request, response, callback);
    }
    HttpFields fields = request.getHeaders();
    String origin = fields.get(HttpHeader.ORIGIN);
    if (origin == null) {
      return next(request, response, callback);
    }
    if (HttpMethod.OPTIONS.is(request.getMethod())) {
      String method = fields.get(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD);
      if (method != null) {
        boolean allowed =
            policy.preflight(
                origin,
                method,
                fields.get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS),
                response.getHeaders());
        response.setStatus(allowed ? HttpStatus.NO_CONTENT_204 : HttpStatus.OK_200);
        if (!allowed) {
          response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
        }
        response.write(true, null, callback);
        return true;
      }
    }
    if (policy.allows(origin)) {
      context.editResponseHead(policy);
    }
    return next(request, response, callback);
  }
}
