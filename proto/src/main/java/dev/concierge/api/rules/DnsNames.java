package dev.concierge.api.rules;

import org.jspecify.annotations.Nullable;

/** DNS name syntax shared by host patterns and endpoint hosts; never asks DNS. */
final class DnsNames {
  /** Longest DNS name. */
  static final int MAX_NAME = 253;

  /** Longest DNS label. */
  static final int MAX_LABEL = 63;

  private DnsNames() {}

  /**
   * What makes {@code name} (lower case) no DNS name, or {@code null}: labels of letters, digits
   * and inner hyphens ({@code underscores} also allows '_', as resolvers do for service names),
   * 1-63 characters each, at most 253 in all, not all-numeric (a broken IPv4 literal).
   */
  static @Nullable String problem(String name, boolean underscores) {
    if (name.length() > MAX_NAME) {
      return "is longer than " + MAX_NAME + " characters";
    }
    if (name.endsWith(".")) {
      return "must not end with a dot";
    }
    boolean allNumeric = true;
    int start = 0;
    while (true) {
      int dot = name.indexOf('.', start);
      int end = dot < 0 ? name.length() : dot;
      if (end == start) {
        return "has an empty label";
      }
      if (end - start > MAX_LABEL) {
        return "has a label longer than " + MAX_LABEL + " characters";
      }
      for (int i = start; i < end; i++) {
        char c = name.charAt(i);
        boolean digit = c >= '0' && c <= '9';
        allNumeric &= digit;
        if (!digit && !(c >= 'a' && c <= 'z') && c != '-' && !(underscores && c == '_')) {
          return c == '*'
              ? "may have \"*\" only as a whole first label (\"*.example.com\")"
              : c > 0x7f
                  ? "is not ASCII: write an internationalised name in punycode (xn--…)"
                  : "must be a DNS name (letters, digits, hyphens and dots)";
        }
      }
      if (name.charAt(start) == '-' || name.charAt(end - 1) == '-') {
        return "has a label that starts or ends with a hyphen";
      }
      if (dot < 0) {
        break;
      }
      start = dot + 1;
    }
    return allNumeric ? "is neither a DNS name nor an IPv4 literal" : null;
  }
}
