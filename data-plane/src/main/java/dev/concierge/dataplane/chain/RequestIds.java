package dev.concierge.dataplane.chain;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request ids for the node's own answers: a random per-process prefix and a counter, so ids are
 * unique across a fleet's nodes and restarts without coordination. Thread-safe.
 */
public final class RequestIds {
  private static final String PREFIX = String.format("%08x", new SecureRandom().nextInt());
  private static final AtomicLong NEXT = new AtomicLong();

  private RequestIds() {}

  /** A new id, e.g. {@code 5f0c29e1-1a}. */
  public static String next() {
    return PREFIX + "-" + Long.toHexString(NEXT.incrementAndGet());
  }
}
