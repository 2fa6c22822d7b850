package dev.concierge.dataplane.tls;

import dev.concierge.dataplane.answer.Redirect;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import java.util.function.IntSupplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Applies a route's TLS policy before anything else of the route runs: a plain-HTTP request of a
 * route that wants HTTPS gets a 308 to the same URL over HTTPS (before any body is read), and an
 * answer over HTTPS gets the route's Strict-Transport-Security field (RFC 6797 §7.2: never over
 * plain HTTP). A route without the policy costs a slot read and a field read.
 */
public final class RouteTlsHandler extends RouteScopedHandler {
  private final IntSupplier nodeHttpsPort;
  // The node's port is bound once, at start; the redirect to it is made on first use.
  private volatile @Nullable Redirect toNodePort;

  /**
   * @param nodeHttpsPort the node's HTTPS port (after start), for routes that redirect to it
   */
  public RouteTlsHandler(IntSupplier nodeHttpsPort, @Nullable Handler next) {
    super(next);
    this.nodeHttpsPort = nodeHttpsPort;
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    RouteTlsPolicy policy = context.policies().get(RouteTlsPolicy.KEY);
    if (request.isSecure()) {
      HttpField hsts = policy.hsts();
      if (hsts != null) {
        // Kept through a retry's or the node's own answer's reset: every HTTPS answer carries it.
        context.keepOnResponse(hsts);
      }
      return next(request, response, callback);
    }
    if (!policy.redirectToHttps()) {
      return next(request, response, callback);
    }
    Redirect redirect = policy.redirect();
    if (redirect == null) {
      redirect = nodeRedirect();
    }
    redirect.write(request, response, callback);
    return true;
  }

  private Redirect nodeRedirect() {
    Redirect redirect = toNodePort;
    if (redirect == null) {
      // The node always listens on HTTPS when a route redirects to its port; a node started
      // without HTTPS answers with the default port (443), which a front proxy may serve.
      int port = nodeHttpsPort.getAsInt();
      redirect = RouteTlsCompiler.toHttps(port > 0 ? port : 443);
      toNodePort = redirect;
    }
    return redirect;
  }
}
