package dev.concierge.dataplane.routing;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.PlainText;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Request path, stage 1: reads the runtime once, finds the route for the request's host and
 * canonical path, pins a {@link RouteMatch} and passes on.
 *
 * <p>Completes the callback itself only when it answers: 404 {@code no route} when nothing
 * matches, 503 {@code no configuration yet} before the first configuration. Non-blocking.
 */
public final class RoutingHandler extends Handler.Wrapper {
  private final RuntimeHolder runtimes;

  public RoutingHandler(RuntimeHolder runtimes, Handler next) {
    super(next);
    this.runtimes = requireNonNull(runtimes, "runtimes");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Runtime runtime = runtimes.get();
    if (runtime == null) {
      PlainText.write(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "no configuration yet\n");
      return true;
    }
    String host = request.getHeaders().get(HttpHeader.HOST);
    if (host == null) {
      host = request.getHttpURI().getHost();
    }
    // Match on the decoded, normalised path (no "..", no %2F tricks); the original is forwarded.
    String path = Request.getPathInContext(request);
    CompiledRoute route = runtime.routes().find(host, path == null ? "/" : path);
    if (route == null) {
      PlainText.write(response, callback, HttpStatus.NOT_FOUND_404, "no route\n");
      return true;
    }
    return super.handle(new RouteMatch(route, runtime).bind(request), response, callback);
  }
}
