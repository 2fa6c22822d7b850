package dev.concierge.dataplane.routing;

import com.google.re2j.Pattern;
import dev.concierge.api.rules.RequestMatchRules;
import dev.concierge.api.v1.HeaderMatch;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A request header is present (or absent), equals a value, starts with one or matches an RE2 regex;
 * a header sent several times matches if one of its lines does. Well-known names compare by Jetty's
 * header enum, others ignoring case. Immutable, thread-safe.
 */
public final class HeaderPredicate implements RequestPredicate {
  private final String name;
  private final @Nullable HttpHeader known;
  private final HeaderMatch.ValueCase test;
  private final String value;
  private final @Nullable Pattern regex;
  private final boolean invert;

  private HeaderPredicate(HeaderMatch match) {
    this.name = match.getName();
    this.known = HttpHeader.CACHE.get(name);
    this.test = match.getValueCase();
    this.value =
        switch (test) {
          case EXACT -> match.getExact();
          case PREFIX -> match.getPrefix();
          default -> "";
        };
    this.regex =
        test == HeaderMatch.ValueCase.REGEX ? RequestMatchRules.pattern(match.getRegex()) : null;
    this.invert = match.getInvert();
  }

  /** The predicate of a match that passed {@code RequestMatchRules}. */
  public static HeaderPredicate of(HeaderMatch match) {
    return new HeaderPredicate(match);
  }

  @Override
  public boolean test(Request request) {
    return matches(request) != invert;
  }

  private boolean matches(Request request) {
    for (HttpField field : request.getHeaders()) {
      boolean named = known != null ? field.getHeader() == known : field.is(name);
      if (named && valueMatches(field.getValue())) {
        return true;
      }
    }
    return false;
  }

  private boolean valueMatches(@Nullable String actual) {
    String v = actual == null ? "" : actual;
    return switch (test) {
      case EXACT -> v.equals(value);
      case PREFIX -> v.startsWith(value);
      case REGEX -> regex != null && regex.matches(v);
      default -> true;
    };
  }

  @Override
  public String toString() {
    return "header " + (invert ? "not " : "") + name + " " + test;
  }
}
