package dev.concierge.dataplane.chain;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * A request-path stage that acts on the route routing chose: it reads its compiled policy from
 * {@link RequestContext#policies()} and either passes on with {@link #next} (Envoy's Continue) or
 * answers and completes the callback (StopIteration). Non-blocking.
 */
public abstract class RouteScopedHandler extends Handler.Wrapper {
  protected RouteScopedHandler(@Nullable Handler next) {
    super(next);
  }

  @Override
  public final boolean handle(Request request, Response response, Callback callback)
      throws Exception {
    RequestContext context = RequestContext.of(request);
    if (context == null) {
      // Outside the proxy chain (a stage wired alone): every policy is its null object.
      context = new RequestContext(request, response, callback, Meter.none(), System::nanoTime);
      return handle(context, context, response, context);
    }
    return handle(context, request, response, callback);
  }

  /** This stage's work for a request whose context is {@code context}. */
  protected abstract boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception;

  /** Passes the (possibly wrapped) exchange to the next stage. */
  protected final boolean next(Request request, Response response, Callback callback)
      throws Exception {
    return super.handle(request, response, callback);
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }
}
