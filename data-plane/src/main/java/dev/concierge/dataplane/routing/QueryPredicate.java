package dev.concierge.dataplane.routing;

import com.google.re2j.Pattern;
import dev.concierge.api.rules.RequestMatchRules;
import dev.concierge.api.v1.QueryParameterMatch;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.UrlEncoded;
import org.jspecify.annotations.Nullable;

/**
 * A query parameter is present, equals a value or matches an RE2 regex, by its decoded name and
 * value ({@code +} is a space). Scans the raw query without building a map; only a parameter whose
 * name needs decoding, and the values of the one tested, are decoded. Immutable, thread-safe.
 */
public final class QueryPredicate implements RequestPredicate {
  private final String name;
  private final QueryParameterMatch.ValueCase test;
  private final String exact;
  private final @Nullable Pattern regex;

  private QueryPredicate(QueryParameterMatch match) {
    this.name = match.getName();
    this.test = match.getValueCase();
    this.exact = match.getExact();
    this.regex =
        test == QueryParameterMatch.ValueCase.REGEX
            ? RequestMatchRules.pattern(match.getRegex())
            : null;
  }

  /** The predicate of a match that passed {@code RequestMatchRules}. */
  public static QueryPredicate of(QueryParameterMatch match) {
    return new QueryPredicate(match);
  }

  @Override
  public boolean test(Request request) {
    String query = request.getHttpURI().getQuery();
    if (query == null) {
      return false;
    }
    int start = 0;
    int length = query.length();
    while (start <= length) {
      int end = query.indexOf('&', start);
      if (end < 0) {
        end = length;
      }
      int equals = query.indexOf('=', start);
      int nameEnd = equals < 0 || equals > end ? end : equals;
      if (nameEnd > start && nameIs(query, start, nameEnd)) {
        String value = nameEnd == end ? "" : decode(query, nameEnd + 1, end);
        if (valueMatches(value)) {
          return true;
        }
      }
      start = end + 1;
    }
    return false;
  }

  private boolean nameIs(String query, int from, int to) {
    boolean encoded = false;
    for (int i = from; i < to; i++) {
      char c = query.charAt(i);
      if (c == '%' || c == '+') {
        encoded = true;
        break;
      }
    }
    if (!encoded) {
      return to - from == name.length() && query.regionMatches(from, name, 0, name.length());
    }
    return decode(query, from, to).equals(name);
  }

  private static String decode(String query, int from, int to) {
    return UrlEncoded.decodeString(query, from, to - from, StandardCharsets.UTF_8);
  }

  private boolean valueMatches(String value) {
    return switch (test) {
      case EXACT -> value.equals(exact);
      case REGEX -> regex != null && regex.matches(value);
      default -> true;
    };
  }

  @Override
  public String toString() {
    return "query " + name + " " + test;
  }
}
