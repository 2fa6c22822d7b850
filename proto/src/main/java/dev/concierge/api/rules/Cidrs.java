package dev.concierge.api.rules;

import com.google.common.net.InetAddresses;
import java.net.InetAddress;
import org.jspecify.annotations.Nullable;

/**
 * CIDR blocks and IP addresses as 128-bit numbers, IPv4 as IPv4-mapped IPv6 ({@code
 * ::ffff:a.b.c.d}) so one range table holds both families. Parsing never looks up DNS (Guava's
 * {@link InetAddresses}).
 */
public final class Cidrs {
  private static final long IPV4_MAPPED = 0xffff_0000_0000L;

  private Cidrs() {}

  /**
   * One block, as its first and last address.
   *
   * @param firstHigh the first address's upper 64 bits
   * @param firstLow its lower 64 bits
   * @param lastHigh the last address's upper 64 bits
   * @param lastLow its lower 64 bits
   */
  public record Block(long firstHigh, long firstLow, long lastHigh, long lastLow) {}

  /** What is wrong with {@code cidr} as a block ("10.0.0.0/8", "2001:db8::/32"), or null. */
  public static @Nullable String problem(String cidr) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      return "\"" + HttpMethods.printable(cidr) + "\" is not a CIDR block (ADDRESS/BITS)";
    }
    String address = cidr.substring(0, slash);
    if (!InetAddresses.isInetAddress(address)) {
      return "\"" + HttpMethods.printable(address) + "\" is not an IPv4 or IPv6 address";
    }
    int width = InetAddresses.forString(address).getAddress().length * 8;
    int bits = bits(cidr.substring(slash + 1));
    if (bits < 0 || bits > width) {
      return "the prefix length must be 0-" + width;
    }
    Block block = block(cidr);
    long[] raw = bits(InetAddresses.forString(address));
    if (raw[0] != block.firstHigh() || raw[1] != block.firstLow()) {
      return "has address bits set after the first " + bits + ": write the block's first address";
    }
    return null;
  }

  /** The block {@code cidr}, which passed {@link #problem}. */
  public static Block block(String cidr) {
    int slash = cidr.indexOf('/');
    InetAddress address = InetAddresses.forString(cidr.substring(0, slash));
    long[] raw = bits(address);
    int bits = bits(cidr.substring(slash + 1)) + (address.getAddress().length == 4 ? 96 : 0);
    long highMask = bits >= 64 ? -1L : bits == 0 ? 0 : -1L << (64 - bits);
    long lowMask = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
    return new Block(raw[0] & highMask, raw[1] & lowMask, raw[0] | ~highMask, raw[1] | ~lowMask);
  }

  /** {@code address} as {upper 64 bits, lower 64 bits}. */
  public static long[] bits(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (bytes.length == 4) {
      return new long[] {0, IPV4_MAPPED | (InetAddresses.coerceToInteger(address) & 0xffff_ffffL)};
    }
    long high = 0;
    long low = 0;
    for (int i = 0; i < 8; i++) {
      high = high << 8 | (bytes[i] & 0xff);
      low = low << 8 | (bytes[i + 8] & 0xff);
    }
    return new long[] {high, low};
  }

  /** The address literal {@code text} (no brackets, no port), or null when it is not one. */
  public static @Nullable InetAddress address(String text) {
    return InetAddresses.isInetAddress(text) ? InetAddresses.forString(text) : null;
  }

  private static int bits(String digits) {
    if (digits.isEmpty() || digits.length() > 3) {
      return -1;
    }
    int n = 0;
    for (int i = 0; i < digits.length(); i++) {
      char c = digits.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
