package dev.concierge.api.rules;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The rule for a backend endpoint's host: a DNS name (as resolvers take it: underscores allowed, a
 * trailing dot for an absolute name, internationalised names in punycode), an IPv4 literal, or an
 * IPv6 literal with or without brackets. Never asks DNS.
 */
public final class EndpointHosts {
  private EndpointHosts() {}

  /** What is wrong with {@code host} as an endpoint's host, or {@code null} when it is fine. */
  public static @Nullable String problem(String host) {
    if (host.isEmpty()) {
      return "a host is required";
    }
    String lower = host.toLowerCase(Locale.ROOT);
    if (lower.indexOf('/') >= 0 || lower.indexOf('@') >= 0) {
      return "\""
          + host
          + "\" is not a host: give only the name or address, without scheme,"
          + " user or path";
    }
    if (lower.startsWith("[") && lower.endsWith("]")) {
      return IpLiterals.isIpv6(lower.substring(1, lower.length() - 1))
          ? null
          : "\"" + host + "\" is not an IPv6 literal";
    }
    if (lower.indexOf(':') >= 0) {
      return IpLiterals.isIpv6(lower)
          ? null
          : "\"" + host + "\" is not an IPv6 literal (the port is a field of its own)";
    }
    if (IpLiterals.isIpv4(lower)) {
      return null;
    }
    String name =
        lower.endsWith(".") && lower.length() > 1 ? lower.substring(0, lower.length() - 1) : lower;
    String problem = DnsNames.problem(name, true);
    return problem == null ? null : "\"" + host + "\" " + problem;
  }
}
