package dev.concierge.dataplane.routing;

import java.util.List;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;

/**
 * The request method is one of a route's methods. Jetty hands out its cached constant for every
 * well-known method, so the identity check nearly always decides. Immutable, thread-safe.
 */
public final class MethodPredicate implements RequestPredicate {
  private final String[] methods;

  private MethodPredicate(String[] methods) {
    this.methods = methods;
  }

  /** A predicate for {@code methods} (valid, upper-case tokens, checked by the compiler). */
  public static MethodPredicate of(List<String> methods) {
    String[] interned = new String[methods.size()];
    for (int i = 0; i < interned.length; i++) {
      HttpMethod known = HttpMethod.fromString(methods.get(i));
      interned[i] = known != null ? known.asString() : methods.get(i);
    }
    return new MethodPredicate(interned);
  }

  @Override
  @SuppressWarnings("ReferenceEquality") // identity is only the fast path; equals() follows
  public boolean test(Request request) {
    String method = request.getMethod();
    for (String m : methods) {
      if (m == method) { // identity first: Jetty's cached constants
        return true;
      }
    }
    for (String m : methods) {
      if (m.equals(method)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public String toString() {
    return "methods " + String.join(",", methods);
  }
}
