package dev.concierge.api.rules;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.Policy;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The rules of a CORS policy: at least one allowed origin, each an exact origin, {@code *} or a
 * wildcard host, or a valid RE2 regex; {@code *} not with credentials (browsers refuse it); methods
 * and header names valid; a max age of at most a day. And, over a whole configuration, at most one
 * CORS policy per route: one fleet default, and at most one named by each route.
 */
public final class CorsRules {
  /** Most origins, regexes, methods or headers in one list. */
  public static final int MAX_ENTRIES = 100;

  /** Longest max age, in seconds (browsers cap it lower: Chrome at 2 h, Firefox at 24 h). */
  public static final int MAX_AGE_SECONDS = 86_400;

  private CorsRules() {}

  /** Tells {@code sink} every broken field of {@code cors}, under {@code prefix}. */
  public static void check(Cors cors, String prefix, ViolationSink sink) {
    if (cors.getAllowOriginsCount() == 0 && cors.getAllowOriginRegexesCount() == 0) {
      sink.add(prefix + ".allow_origins", "give allow_origins or allow_origin_regexes");
    }
    List<String> origins = cors.getAllowOriginsList();
    count(origins, prefix + ".allow_origins", sink);
    for (int i = 0; i < origins.size(); i++) {
      String problem = originProblem(origins.get(i));
      if (problem != null) {
        sink.add(prefix + ".allow_origins[" + i + "]", problem);
      } else if (origins.get(i).equals("*") && cors.getAllowCredentials()) {
        sink.add(
            prefix + ".allow_origins[" + i + "]",
            "\"*\" cannot be used with allow_credentials (browsers refuse it): list the origins");
      }
    }
    List<String> regexes = cors.getAllowOriginRegexesList();
    count(regexes, prefix + ".allow_origin_regexes", sink);
    for (int i = 0; i < regexes.size(); i++) {
      RequestMatchRules.regex(regexes.get(i), prefix + ".allow_origin_regexes[" + i + "]", sink);
    }
    List<String> methods = cors.getAllowMethodsList();
    count(methods, prefix + ".allow_methods", sink);
    for (int i = 0; i < methods.size(); i++) {
      String problem = HttpMethods.problem(methods.get(i));
      if (problem != null) {
        sink.add(prefix + ".allow_methods[" + i + "]", problem);
      }
    }
    headers(cors.getAllowHeadersList(), prefix + ".allow_headers", sink);
    headers(cors.getExposeHeadersList(), prefix + ".expose_headers", sink);
    if (Integer.compareUnsigned(cors.getMaxAgeSeconds(), MAX_AGE_SECONDS) > 0) {
      sink.add(
          prefix + ".max_age_seconds",
          "must be at most "
              + MAX_AGE_SECONDS
              + " (a day), not "
              + Integer.toUnsignedString(cors.getMaxAgeSeconds()));
    }
  }

  /**
   * Tells {@code sink} when more than one CORS policy would apply to a route: two fleet defaults,
   * or a route naming two.
   */
  public static void checkSnapshot(ConfigSnapshot snapshot, ViolationSink sink) {
    OnePolicyPerRoute.check(snapshot, Policy.KindCase.CORS, "CORS", sink);
  }

  /**
   * Why {@code origin} is no allowed-origin entry, or null: {@code *}, or {@code scheme://host}
   * with an optional port, lowercase, where the host may start with {@code *.} (any subdomain).
   */
  static @Nullable String originProblem(String origin) {
    if (origin.equals("*")) {
      return null;
    }
    int colon = origin.indexOf("://");
    if (colon <= 0) {
      return "\""
          + HttpMethods.printable(origin)
          + "\" is not an origin: write scheme://host[:port], e.g. https://app.example.com, or *";
    }
    if (!origin.equals(origin.toLowerCase(java.util.Locale.ROOT))) {
      return "origins are compared as browsers send them, in lower case: \"" + origin + "\"";
    }
    String scheme = origin.substring(0, colon);
    for (int i = 0; i < scheme.length(); i++) {
      char c = scheme.charAt(i);
      boolean later = i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
      if (!(c >= 'a' && c <= 'z') && !later) {
        return "\"" + scheme + "\" is not a URI scheme";
      }
    }
    String authority = origin.substring(colon + 3);
    if (authority.contains("/")) {
      return "an origin has no path: \"" + origin + "\"";
    }
    String host = authority;
    int port = authority.lastIndexOf(':');
    if (port >= 0 && !authority.endsWith("]")) {
      String digits = authority.substring(port + 1);
      if (digits.isEmpty() || digits.length() > 5 || !digits.chars().allMatch(Character::isDigit)) {
        return "\"" + digits + "\" is not a port";
      }
      host = authority.substring(0, port);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return IpLiterals.isIpv6(host.substring(1, host.length() - 1))
          ? null
          : "\"" + host + "\" is not an IPv6 address";
    }
    if (IpLiterals.isIpv4(host)) {
      return null;
    }
    String name = host.startsWith("*.") ? host.substring(2) : host;
    String problem = DnsNames.problem(name, false);
    return problem == null ? null : "host " + problem;
  }

  private static void count(List<String> entries, String field, ViolationSink sink) {
    if (entries.size() > MAX_ENTRIES) {
      sink.add(field, "at most " + MAX_ENTRIES + " entries, not " + entries.size());
    }
  }

  private static void headers(List<String> names, String field, ViolationSink sink) {
    count(names, field, sink);
    for (int i = 0; i < names.size(); i++) {
      String problem = RequestMatchRules.headerNameProblem(names.get(i));
      if (problem != null) {
        sink.add(field + "[" + i + "]", problem);
      }
    }
  }
}
