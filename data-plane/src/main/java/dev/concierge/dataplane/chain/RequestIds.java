package dev.concierge.dataplane.chain;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids made by the node: a random per-process prefix and a counter, so ids are unique across
 * a fleet's nodes and restarts without coordination. Thread-safe.
 */
public final class RequestIds {
  private static final String PREFIX = String.format("%08x", new SecureRandom().nextInt());
  private static final AtomicLong NEXT = new AtomicLong();

  /** The longest request id kept from a trusted proxy. */
  public static final int MAX_LENGTH = 128;

  private RequestIds() {}

  /** A new id, e.g. {@code 5f0c29e1-1a}. */
  public static String next() {
    return PREFIX + "-" + Long.toHexString(NEXT.incrementAndGet());
  }

  /**
   * Whether {@code id}, sent by a trusted proxy, is kept as the request's id: 1 to {@value
   * #MAX_LENGTH} visible ASCII characters (no spaces, nothing a log line or header would need to
   * escape beyond JSON's own).
   */
  public static boolean isAcceptable(String id) {
    int length = id.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        return false;
      }
    }
    return true;
  }
}
