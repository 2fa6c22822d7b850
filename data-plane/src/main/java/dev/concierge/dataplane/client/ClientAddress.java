package dev.concierge.dataplane.client;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.Cidrs;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A client's IP address as written (for headers and variables) and as a 128-bit number (for CIDR
 * and geo tables; IPv4 as IPv4-mapped IPv6). Immutable.
 */
public final class ClientAddress {
  /** A peer that is no IP socket (a Unix socket, a test): matches no block but {@code ::/0}. */
  public static final ClientAddress UNKNOWN = new ClientAddress("unknown", 0, 0);

  private final String text;
  private final long high;
  private final long low;

  private ClientAddress(String text, long high, long low) {
    this.text = requireNonNull(text, "text");
    this.high = high;
    this.low = low;
  }

  /** The address {@code text} names, written as given. */
  public static ClientAddress of(String text, InetAddress address) {
    long[] bits = Cidrs.bits(address);
    return new ClientAddress(text, bits[0], bits[1]);
  }

  /** The connection's peer of {@code request}. */
  public static ClientAddress peerOf(Request request) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      String text = Request.getRemoteAddr(request);
      return of(text != null ? text : inet.getAddress().getHostAddress(), inet.getAddress());
    }
    return UNKNOWN;
  }

  /**
   * One X-Forwarded-For hop: an IPv4 or IPv6 literal, optionally bracketed and with a port
   * ("192.0.2.1:4711", "[2001:db8::1]:443"); null when it is none (a name, "unknown", garbage).
   */
  public static @Nullable ClientAddress parseHop(String hop) {
    String literal = hop;
    if (literal.startsWith("[")) {
      int close = literal.indexOf(']');
      if (close < 0) {
        return null;
      }
      literal = literal.substring(1, close);
    } else if (literal.indexOf(':') > 0 && literal.indexOf(':') == literal.lastIndexOf(':')) {
      literal = literal.substring(0, literal.indexOf(':')); // IPv4 with a port
    }
    int zone = literal.indexOf('%');
    if (zone >= 0) {
      literal = literal.substring(0, zone);
    }
    InetAddress address = Cidrs.address(literal);
    return address == null ? null : of(hop, address);
  }

  /** The address as the client or a proxy wrote it. */
  public String text() {
    return text;
  }

  /** The upper 64 bits of the address. */
  public long high() {
    return high;
  }

  /** The lower 64 bits of the address. */
  public long low() {
    return low;
  }

  @Override
  public String toString() {
    return text;
  }
}
