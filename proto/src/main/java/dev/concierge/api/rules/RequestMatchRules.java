package dev.concierge.api.rules;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.QueryParameterMatch;
import dev.concierge.api.v1.RouteMatch;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a route's header and query parameter matches: header names are tokens, values fit in
 * a header, regexes are RE2 (linear time, so no request can make a node backtrack) and short, and a
 * route holds a bounded number of each.
 */
public final class RequestMatchRules {
  /** Longest regex of a match. */
  public static final int MAX_REGEX = 1024;

  /** Most header (and, apart, query parameter) matches of one route. */
  public static final int MAX_MATCHES = 32;

  /** Longest header or parameter name, and exact or prefix value. */
  public static final int MAX_VALUE = 4096;

  private RequestMatchRules() {}

  static void check(RouteMatch match, String prefix, ViolationSink sink) {
    if (match.getHeadersCount() > MAX_MATCHES) {
      sink.add(prefix + ".match.headers", "at most " + MAX_MATCHES + " header matches");
    }
    Map<HeaderMatch, Integer> headers = new HashMap<>();
    for (int i = 0; i < match.getHeadersCount(); i++) {
      HeaderMatch header = match.getHeaders(i);
      String field = prefix + ".match.headers[" + i + "]";
      String name = header.getName();
      String problem = headerNameProblem(name);
      if (problem != null) {
        sink.add(field + ".name", problem);
      }
      switch (header.getValueCase()) {
        case EXACT -> value(header.getExact(), field + ".exact", sink);
        case PREFIX -> {
          if (header.getPrefix().isEmpty()) {
            sink.add(field + ".prefix", "must not be empty (a header that is present: no value)");
          }
          value(header.getPrefix(), field + ".prefix", sink);
        }
        case REGEX -> regex(header.getRegex(), field + ".regex", sink);
        default -> {}
      }
      Integer first =
          headers.putIfAbsent(header.toBuilder().setName(name.toLowerCase(Locale.ROOT)).build(), i);
      if (first != null) {
        sink.add(field, "duplicates headers[" + first + "]");
      }
    }
    if (match.getQueryParametersCount() > MAX_MATCHES) {
      sink.add(
          prefix + ".match.query_parameters",
          "at most " + MAX_MATCHES + " query parameter matches");
    }
    Map<QueryParameterMatch, Integer> parameters = new HashMap<>();
    for (int i = 0; i < match.getQueryParametersCount(); i++) {
      QueryParameterMatch parameter = match.getQueryParameters(i);
      String field = prefix + ".match.query_parameters[" + i + "]";
      if (parameter.getName().isEmpty()) {
        sink.add(field + ".name", "must not be empty");
      }
      value(parameter.getName(), field + ".name", sink);
      switch (parameter.getValueCase()) {
        case EXACT -> value(parameter.getExact(), field + ".exact", sink);
        case REGEX -> regex(parameter.getRegex(), field + ".regex", sink);
        default -> {}
      }
      Integer first = parameters.putIfAbsent(parameter, i);
      if (first != null) {
        sink.add(field, "duplicates query_parameters[" + first + "]");
      }
    }
  }

  /** The compiled form of a regex that passed the rules. */
  public static Pattern pattern(String regex) {
    return Pattern.compile(regex);
  }

  /** Why {@code name} is no header name (a token of at most the value limit), or null. */
  static @Nullable String headerNameProblem(String name) {
    if (name.isEmpty()) {
      return "must not be empty";
    }
    if (name.length() > MAX_VALUE) {
      return "must be at most " + MAX_VALUE + " characters";
    }
    for (int i = 0; i < name.length(); i++) {
      if (!HttpMethods.isTokenChar(name.charAt(i))) {
        return "\""
            + HttpMethods.printable(name)
            + "\" is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)";
      }
    }
    return null;
  }

  private static void value(String value, String field, ViolationSink sink) {
    if (value.length() > MAX_VALUE) {
      sink.add(field, "must be at most " + MAX_VALUE + " characters");
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        sink.add(field, "must not contain CR, LF or NUL: no request can carry them");
        return;
      }
    }
  }

  static void regex(String regex, String field, ViolationSink sink) {
    if (regex.isEmpty()) {
      sink.add(field, "must not be empty");
      return;
    }
    if (regex.length() > MAX_REGEX) {
      sink.add(field, "must be at most " + MAX_REGEX + " characters");
      return;
    }
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      sink.add(field, "not an RE2 regular expression: " + e.getDescription());
    }
  }
}
