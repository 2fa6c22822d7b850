package dev.concierge.dataplane.accesslog;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Replaces the values of secret query parameters in a request target with {@value
 * RouteLogPolicy#REDACTED}; names compare after percent-decoding, so {@code to%6Ben=x} is caught as
 * {@code token}. Stateless.
 */
final class QueryRedaction {
  private QueryRedaction() {}

  /** {@code target} ("/path?query") with the values of {@code secrets} redacted. */
  static String redact(String target, Set<String> secrets) {
    int query = target.indexOf('?');
    if (secrets.isEmpty() || query < 0) {
      return target;
    }
    StringBuilder out = new StringBuilder(target.length()).append(target, 0, query + 1);
    int at = query + 1;
    while (at <= target.length()) {
      int end = target.indexOf('&', at);
      if (end < 0) {
        end = target.length();
      }
      int equals = target.indexOf('=', at);
      if (equals >= 0 && equals < end && secrets.contains(name(target.substring(at, equals)))) {
        out.append(target, at, equals + 1).append(RouteLogPolicy.REDACTED);
      } else {
        out.append(target, at, end);
      }
      if (end < target.length()) {
        out.append('&');
      }
      at = end + 1;
    }
    return out.toString();
  }

  private static String name(String raw) {
    if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
      return raw;
    }
    try {
      return URLDecoder.decode(raw, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return raw; // a broken escape: compare as written
    }
  }
}
