package dev.concierge.dataplane.upstream;

import dev.concierge.api.rules.HeaderTemplates;
import dev.concierge.api.rules.HeaderTemplates.Variable;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RequestIds;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A header value of a route's header edits, compiled once per snapshot into literal text and
 * per-request variables ({@link HeaderTemplates}); {@code ${route}} is the route's id, known at
 * compile time, so it compiles to text. A value without variables renders to the same String
 * without allocating. Immutable and thread-safe.
 */
final class HeaderTemplate {
  /** The whole value when it has no variables, else null. */
  private final @Nullable String constant;

  /** Each a String (literal) or a {@link Variable}. */
  private final Object[] parts;

  private HeaderTemplate(@Nullable String constant, Object[] parts) {
    this.constant = constant;
    this.parts = parts;
  }

  /**
   * The template {@code value} (which passed the rules) of a route with id {@code routeId}.
   *
   * @throws IllegalArgumentException if it is no template
   */
  static HeaderTemplate compile(String value, String routeId) {
    List<Object> parts = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    for (HeaderTemplates.Part part : HeaderTemplates.parse(value)) {
      if (part instanceof HeaderTemplates.Literal l) {
        literal.append(l.text());
      } else if (part instanceof HeaderTemplates.Reference r && r.variable() == Variable.ROUTE) {
        literal.append(routeId);
      } else if (part instanceof HeaderTemplates.Reference r) {
        if (literal.length() > 0) {
          parts.add(literal.toString());
          literal.setLength(0);
        }
        parts.add(r.variable());
      }
    }
    if (parts.isEmpty()) {
      return new HeaderTemplate(literal.toString(), new Object[0]);
    }
    if (literal.length() > 0) {
      parts.add(literal.toString());
    }
    return new HeaderTemplate(null, parts.toArray());
  }

  /** The value for {@code request}. */
  String render(Request request) {
    String fixed = constant;
    if (fixed != null) {
      return fixed;
    }
    if (parts.length == 1) {
      return value((Variable) parts[0], request);
    }
    StringBuilder out = new StringBuilder(64);
    for (Object part : parts) {
      out.append(part instanceof Variable v ? value(v, request) : (String) part);
    }
    return out.toString();
  }

  private static String value(Variable variable, Request request) {
    RequestContext context = RequestContext.of(request);
    return switch (variable) {
      case CLIENT_IP ->
          context != null ? context.clientAddress().text() : Request.getRemoteAddr(request);
      case REQUEST_ID -> context != null ? context.requestId() : RequestIds.next();
      case HOST -> Request.getServerName(request);
      case SCHEME -> request.isSecure() ? "https" : "http";
      case ROUTE -> throw new IllegalStateException("compiled to text");
    };
  }
}
