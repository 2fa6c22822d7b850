package dev.concierge.dataplane.routing;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.Meter;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.client.ClientSettings;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Request path, stage 1: reads the route table in force once, refuses what no route may carry,
 * finds the route for the request (host, canonical path, predicates) and pins it on the request's
 * {@link RequestContext}, so every later stage, and the whole life of the request, uses it.
 *
 * <p>Completes the callback itself only when it answers: 405 for CONNECT and TRACE (a reverse proxy
 * tunnels nothing and echoes nothing), 501 for a transfer coding other than a lone {@code chunked}
 * (it would be silently dropped), 503 {@code no configuration yet} before the first configuration,
 * 404 {@code no route} when nothing matches. Non-blocking.
 */
public final class RoutingHandler extends Handler.Wrapper {
  private final Supplier<RouteTable> routes;
  private final ClientSettings client;

  /**
   * @param routes the route table in force, read once per request; {@code null} before any
   */
  public RoutingHandler(Supplier<RouteTable> routes, Handler next) {
    this(routes, ClientSettings.defaults(), next);
  }

  /**
   * @param routes the route table in force, read once per request; {@code null} before any
   * @param client the node's trusted proxies, geo source and clock, set on each request's context
   */
  public RoutingHandler(Supplier<RouteTable> routes, ClientSettings client, Handler next) {
    super(next);
    this.routes = requireNonNull(routes, "routes");
    this.client = requireNonNull(client, "client");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    RequestContext context = RequestContext.of(request);
    if (context == null) {
      // Wired without the stats stage (tests): the context still carries the route.
      context = new RequestContext(request, response, callback, Meter.none(), System::nanoTime);
      request = context;
      callback = context;
    }
    context.client(client);
    String method = request.getMethod();
    if (HttpMethod.CONNECT.is(method) || HttpMethod.TRACE.is(method)) {
      response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH");
      ErrorAnswers.write(
          request,
          response,
          callback,
          HttpStatus.METHOD_NOT_ALLOWED_405,
          method + " is not allowed");
      return true;
    }
    if (request.getLength() < 0 && !transferCodingIsChunked(request)) {
      ErrorAnswers.writeAndClose(
          request,
          response,
          callback,
          HttpStatus.NOT_IMPLEMENTED_501,
          "transfer coding not implemented (only chunked)");
      return true;
    }
    RouteTable table = routes.get();
    if (table == null) {
      ErrorAnswers.write(
          request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "no configuration yet");
      return true;
    }
    String host = request.getHeaders().get(HttpHeader.HOST);
    if (host == null) {
      host = request.getHttpURI().getHost();
    }
    // The canonical path (dot segments resolved, ;parameters removed, still percent-encoded) is
    // what routes are matched on and, by default, what goes upstream.
    String path = request.getHttpURI().getCanonicalPath();
    CompiledRoute route = table.find(host, path == null ? "/" : path, request);
    if (route == null) {
      ErrorAnswers.write(request, response, callback, HttpStatus.NOT_FOUND_404, "no route");
      return true;
    }
    context.route(route.name(), route.policies(), route.meter());
    return super.handle(request, response, callback);
  }

  /**
   * Whether a request of unknown length carries a lone {@code chunked} coding (or no
   * Transfer-Encoding at all). Jetty de-chunks {@code gzip, chunked} and keeps the header, which
   * would forward a gzip body labelled as plain.
   */
  private static boolean transferCodingIsChunked(Request request) {
    int codings = 0;
    for (HttpField field : request.getHeaders()) {
      if (field.getHeader() == HttpHeader.TRANSFER_ENCODING) {
        // A second Transfer-Encoding line is a second coding.
        if (++codings > 1 || !"chunked".equalsIgnoreCase(field.getValue().trim())) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }
}
