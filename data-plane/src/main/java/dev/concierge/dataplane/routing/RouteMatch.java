package dev.concierge.dataplane.routing;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.runtime.Runtime;
import org.eclipse.jetty.server.Request;

/**
 * The route chosen for a request and the runtime it was chosen from, carried by the request
 * itself ({@link #bind}) so that every later stage, and the whole life of the request, uses that
 * runtime.
 */
public record RouteMatch(CompiledRoute route, Runtime runtime) {
  public RouteMatch {
    requireNonNull(route, "route");
    requireNonNull(runtime, "runtime");
  }

  /** The match carried by {@code request}, or {@code null} if routing has not run or found none. */
  public static RouteMatch of(Request request) {
    Routed routed = Request.as(request, Routed.class);
    return routed == null ? null : routed.match;
  }

  /**
   * {@code request} carrying this match, for the next stages. A wrapper rather than a request
   * attribute: Jetty's first attribute creates a concurrent hash map per request.
   */
  public Request bind(Request request) {
    return new Routed(request, this);
  }

  /** A request that carries its route. */
  private static final class Routed extends Request.Wrapper {
    private final RouteMatch match;

    Routed(Request request, RouteMatch match) {
      super(request);
      this.match = match;
    }
  }
}
