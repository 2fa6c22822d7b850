package dev.concierge.controlplane.management;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** Syntax of host names and IP literals, checked without any DNS lookup. */
final class Hosts {
  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");
  private static final Pattern NUMERIC = Pattern.compile("[0-9]+");

  private Hosts() {}

  /** A DNS name (labels of letters, digits and inner hyphens, at most 253 characters). */
  static boolean isDnsName(String host) {
    if (host.isEmpty() || host.length() > 253) {
      return false;
    }
    String[] labels = host.split("\\.", -1);
    boolean allNumeric = true;
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
      allNumeric &= NUMERIC.matcher(label).matches();
    }
    // "999.1.1.1" looks like a name but is a broken IPv4 literal.
    return !allNumeric;
  }

  static boolean isIpv4(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (!NUMERIC.matcher(part).matches() || part.length() > 3 || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  static boolean isIpv6(String host) {
    if (!host.contains(":") || !IPV6.matcher(host).matches()) {
      return false;
    }
    try {
      // With a ':' and only hex digits, InetAddress parses a literal and never asks DNS.
      return InetAddress.getByName(host) instanceof Inet6Address;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** A DNS name or an IP literal (IPv6 with or without brackets). */
  static boolean isHost(String host) {
    if (host.startsWith("[") && host.endsWith("]")) {
      return isIpv6(host.substring(1, host.length() - 1));
    }
    return isIpv4(host) || isIpv6(host) || isDnsName(host);
  }
}
