package dev.concierge.dataplane.answer;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * Answers the requests of routes that redirect or respond directly, before any body is read or
 * upstream chosen; every other route's request goes on unchanged (one slot read).
 */
public final class LocalAnswerHandler extends RouteScopedHandler {
  public LocalAnswerHandler(@Nullable Handler next) {
    super(next);
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback)
      throws Exception {
    LocalAnswer answer = context.policies().get(LocalAnswer.KEY);
    if (answer == LocalAnswer.NONE) {
      return next(request, response, callback);
    }
    answer.write(request, response, callback);
    return true;
  }
}
