package dev.concierge.dataplane.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th delay is uniform in [0, min(max, initial·2ⁿ)], so
 * a fleet that lost its control plane does not reconnect in lockstep. Not thread-safe: one per
 * reconnect loop.
 */
public final class Backoff {
  private final long initialNanos;
  private final long maxNanos;
  private final RandomGenerator random;
  private int attempts;

  public Backoff(Duration initial, Duration max, RandomGenerator random) {
    this.initialNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.random = requireNonNull(random, "random");
    if (initialNanos <= 0 || maxNanos < initialNanos) {
      throw new IllegalArgumentException("need 0 < initial <= max");
    }
  }

  /**
   * 250 ms doubling up to 2 s: a node is back within about 2 s of its control plane's return,
   * however long the outage, while a thousand nodes spread their attempts over those 2 s (about 500
   * attempts a second, which one control plane answers easily).
   */
  public static Backoff defaults(RandomGenerator random) {
    return new Backoff(Duration.ofMillis(250), Duration.ofSeconds(2), random);
  }

  /** The delay before the next attempt. */
  public Duration next() {
    long cap = maxNanos;
    if (attempts < 62 && initialNanos <= (maxNanos >> Math.min(attempts, 62))) {
      cap = Math.min(maxNanos, initialNanos << attempts);
    }
    attempts++;
    return Duration.ofNanos(random.nextLong(cap + 1));
  }

  /** Starts over after a success. */
  public void reset() {
    attempts = 0;
  }
}
