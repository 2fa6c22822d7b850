package dev.concierge.dataplane.routing;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.runtime.Runtime;
import org.eclipse.jetty.server.Request;

/**
 * The route chosen for a request and the runtime it was chosen from, pinned as a request
 * attribute so that every later stage, and the whole life of the request, uses that runtime.
 */
public record RouteMatch(CompiledRoute route, Runtime runtime) {
  /** The request attribute holding the match. */
  public static final String ATTRIBUTE = RouteMatch.class.getName();

  public RouteMatch {
    requireNonNull(route, "route");
    requireNonNull(runtime, "runtime");
  }

  /** The match pinned on {@code request}, or {@code null} if routing has not run or found none. */
  public static RouteMatch of(Request request) {
    return (RouteMatch) request.getAttribute(ATTRIBUTE);
  }

  /** Pins this match on {@code request}. */
  public void pin(Request request) {
    request.setAttribute(ATTRIBUTE, this);
  }
}
