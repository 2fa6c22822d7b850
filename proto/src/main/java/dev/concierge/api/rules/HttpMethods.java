package dev.concierge.api.rules;

import org.jspecify.annotations.Nullable;

/**
 * The rule for HTTP method names in a route match: an RFC 9110 token in upper case, at most 32
 * characters, and not one of the methods every node answers itself (CONNECT and TRACE get 405).
 */
public final class HttpMethods {
  /** Longest accepted method name. */
  public static final int MAX_LENGTH = 32;

  private HttpMethods() {}

  /** What is wrong with {@code method} as a route's method, or {@code null} when it is fine. */
  public static @Nullable String problem(String method) {
    if (method.isEmpty()) {
      return "must not be empty";
    }
    if (method.length() > MAX_LENGTH) {
      return "must be at most " + MAX_LENGTH + " characters";
    }
    boolean lowerCase = false;
    for (int i = 0; i < method.length(); i++) {
      char c = method.charAt(i);
      if (c >= 'a' && c <= 'z') {
        lowerCase = true;
      } else if (!isUpperTokenChar(c)) {
        return "\""
            + printable(method)
            + "\" is not an HTTP method name (letters, digits and"
            + " !#$%&'*+-.^_`|~ only)";
      }
    }
    if (lowerCase) {
      return "methods are case-sensitive and written in upper case: \""
          + method
          + "\" would never match; did you mean \""
          + method.toUpperCase(java.util.Locale.ROOT)
          + "\"?";
    }
    if (method.equals("CONNECT") || method.equals("TRACE")) {
      return method + " is answered 405 by every node and cannot be routed";
    }
    return null;
  }

  /** Whether {@code c} may appear in an RFC 9110 token (method or header name), in any case. */
  static boolean isTokenChar(char c) {
    return (c >= 'a' && c <= 'z') || isUpperTokenChar(c);
  }

  private static boolean isUpperTokenChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
