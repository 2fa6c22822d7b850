package dev.concierge.api.rules;

import org.jspecify.annotations.Nullable;

/**
 * The rule for a route's path (exact or prefix). A node matches the request's canonical path:
 * percent-decoded, with "." and ".." segments resolved and without the query. So a route path is
 * written in that form; anything else could never match and is refused with the reason.
 */
public final class RoutePaths {
  private RoutePaths() {}

  /** What is wrong with {@code path} as a route's path, or {@code null} when it can match. */
  public static @Nullable String problem(String path) {
    if (!path.startsWith("/")) {
      return "must start with \"/\"";
    }
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        return "must not contain whitespace or control characters";
      }
      if (c == '?') {
        return "must not contain \"?\": routes match the path without its query";
      }
      if (c == '#') {
        return "must not contain \"#\": clients never send a fragment";
      }
      if (c == '%'
          && i + 2 < path.length()
          && isHex(path.charAt(i + 1))
          && isHex(path.charAt(i + 2))) {
        return "must not contain percent-encoding (\""
            + path.substring(i, i + 3)
            + "\"):"
            + " routes match the decoded path, so write the character itself";
      }
    }
    int start = 1;
    while (start <= path.length()) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? path.length() : slash;
      String segment = path.substring(start, end);
      if (segment.equals(".") || segment.equals("..")) {
        return "must not contain a \""
            + segment
            + "\" segment: requests are matched after those"
            + " are resolved, so it would never match";
      }
      if (slash < 0) {
        break;
      }
      start = slash + 1;
    }
    return null;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
