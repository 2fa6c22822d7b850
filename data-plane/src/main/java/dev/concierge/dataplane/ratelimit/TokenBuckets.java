package dev.concierge.dataplane.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The buckets of one rate limit, one per key, lock-free. Each bucket is one {@link AtomicLong}
 * holding its theoretical arrival time (the generic cell rate algorithm, GCRA): the instant, on the
 * node's nanoTime clock, at which the bucket would be full again. A request takes a token by moving
 * that instant one interval later with a CAS, unless it would end up more than the burst's worth of
 * intervals ahead of now. This is exactly a token bucket of {@code burst} tokens refilled one per
 * interval, in one word instead of tokens and time packed together.
 *
 * <p>A full bucket is the same as no bucket, so {@link #sweep} drops full ones: memory follows the
 * keys seen within one refill of the bucket (burst / rate), not all keys ever seen. A bucket being
 * dropped is first marked dead, so a request holding it goes back to the map for a fresh one and no
 * token is lost. Thread-safe.
 */
final class TokenBuckets {
  // Marks a bucket the sweep took out of the map.
  private static final long DEAD = Long.MIN_VALUE;

  private final long intervalNanos;
  private final long capacityNanos;
  private final ConcurrentHashMap<Object, AtomicLong> buckets = new ConcurrentHashMap<>();

  /**
   * @param intervalNanos time to gain one token, at least 1
   * @param burst most tokens a bucket holds, at least 1
   */
  TokenBuckets(long intervalNanos, long burst) {
    this.intervalNanos = Math.max(1, intervalNanos);
    long capacity;
    try {
      capacity = Math.multiplyExact(this.intervalNanos, Math.max(1, burst));
    } catch (ArithmeticException e) {
      capacity = Long.MAX_VALUE / 4; // ~73 years: the same as unbounded
    }
    this.capacityNanos = Math.min(capacity, Long.MAX_VALUE / 4);
  }

  /** The time to gain one token. */
  long intervalNanos() {
    return intervalNanos;
  }

  /** The time a bucket takes to fill from empty. */
  long capacityNanos() {
    return capacityNanos;
  }

  /**
   * Takes a token from {@code key}'s bucket at {@code now}: returns how long until the bucket is
   * full again (above 0) when a token was taken, or minus how long until one will be there when
   * none is (the bucket is then left as it was).
   */
  long take(Object key, long now) {
    while (true) {
      AtomicLong bucket = buckets.get(key);
      if (bucket == null) {
        bucket = buckets.computeIfAbsent(key, k -> new AtomicLong(now));
      }
      long result = take(bucket, now);
      if (result != 0) {
        return result;
      }
      buckets.remove(key, bucket); // dead: the sweep is taking it out; use a fresh one
    }
  }

  // 0 when the bucket is dead.
  private long take(AtomicLong bucket, long now) {
    while (true) {
      long arrival = bucket.get();
      if (arrival == DEAD) {
        return 0;
      }
      long base = arrival - now > 0 ? arrival : now;
      long next = base + intervalNanos;
      long ahead = next - now;
      if (ahead > capacityNanos) {
        return -(ahead - capacityNanos);
      }
      if (bucket.compareAndSet(arrival, next)) {
        return ahead;
      }
    }
  }

  /** Drops the buckets that are full at {@code now}; returns how many. */
  int sweep(long now) {
    int dropped = 0;
    for (var entry : buckets.entrySet()) {
      AtomicLong bucket = entry.getValue();
      long arrival = bucket.get();
      if (arrival != DEAD && arrival - now <= 0 && bucket.compareAndSet(arrival, DEAD)) {
        buckets.remove(entry.getKey(), bucket);
        dropped++;
      }
    }
    return dropped;
  }

  /** Buckets held now (keys not full at the last sweep, and those seen since). */
  int size() {
    return buckets.size();
  }
}
