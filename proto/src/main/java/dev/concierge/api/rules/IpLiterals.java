package dev.concierge.api.rules;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;

/** IP literal syntax, checked without any DNS lookup (Guava's {@link InetAddresses}). */
public final class IpLiterals {
  private IpLiterals() {}

  /** A dotted-quad IPv4 literal. */
  public static boolean isIpv4(String host) {
    return InetAddresses.isInetAddress(host)
        && InetAddresses.forString(host) instanceof Inet4Address;
  }

  /** An IPv6 literal without brackets. */
  public static boolean isIpv6(String host) {
    return host.indexOf(':') >= 0
        && InetAddresses.isInetAddress(host)
        && InetAddresses.forString(host) instanceof Inet6Address;
  }
}
