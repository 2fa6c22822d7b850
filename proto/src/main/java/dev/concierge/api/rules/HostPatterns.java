package dev.concierge.api.rules;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The rule for a route's host patterns, which the control plane checks on every write and every
 * node checks again when it compiles: matching ignores case; a pattern is
 *
 * <ul>
 *   <li>a DNS name: labels of letters, digits and inner hyphens, 1-63 characters each, at most 253
 *       in all, no empty label and no trailing dot, not all-numeric (that is a broken IPv4
 *       literal); internationalised names in their punycode form ({@code xn--…});
 *   <li>a wildcard {@code *.} followed by a DNS name of at least two labels ({@code *.example.com},
 *       never {@code *.com} or {@code *});
 *   <li>an IPv4 literal ({@code 10.0.0.5}) or a bracketed IPv6 literal ({@code [::1]}), as clients
 *       send them in Host.
 * </ul>
 *
 * Ports are never part of a pattern.
 */
public final class HostPatterns {
  /** Longest DNS name. */
  public static final int MAX_NAME = DnsNames.MAX_NAME;

  /** Longest DNS label. */
  public static final int MAX_LABEL = DnsNames.MAX_LABEL;

  private HostPatterns() {}

  /** What is wrong with {@code pattern}, or {@code null} when it is a valid host pattern. */
  public static @Nullable String problem(String pattern) {
    String host = pattern.toLowerCase(Locale.ROOT);
    if (host.isEmpty()) {
      return "must not be empty";
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return IpLiterals.isIpv6(host.substring(1, host.length() - 1))
          ? null
          : "\"" + pattern + "\" is not an IPv6 literal";
    }
    if (host.indexOf(':') >= 0) {
      return "\""
          + pattern
          + "\" must not carry a port (hosts match without one);"
          + " an IPv6 literal goes in brackets";
    }
    boolean wildcard = host.startsWith("*.");
    String name = wildcard ? host.substring(2) : host;
    if (!wildcard && IpLiterals.isIpv4(name)) {
      return null;
    }
    String dns = DnsNames.problem(name, false);
    if (dns != null) {
      return "\"" + pattern + "\" " + dns;
    }
    if (wildcard && name.indexOf('.') < 0) {
      return "\""
          + pattern
          + "\" would match every name under a top-level domain: a wildcard needs"
          + " at least two labels after \"*.\" (e.g. *.example.com)";
    }
    return null;
  }
}
