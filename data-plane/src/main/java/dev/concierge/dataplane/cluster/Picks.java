package dev.concierge.dataplane.cluster;

import org.jspecify.annotations.Nullable;

/**
 * What every balancer does alike: draws from a seed, and the walk over the tried and unavailable.
 */
final class Picks {
  /** Added to a seed per try, so each try of a request draws anew (the golden gamma). */
  private static final long GAMMA = 0x9e3779b97f4a7c15L;

  private Picks() {}

  /** The 64-bit finalizer of SplitMix64 / MurmurHash3: spreads every input bit over the output. */
  static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb93fe1a85349L;
    return z ^ (z >>> 33);
  }

  /** A well-spread number for try {@code triedCount} of a request with {@code seed}. */
  static long draw(long seed, int triedCount) {
    return mix(seed + GAMMA * (triedCount + 1));
  }

  /** {@code bits} (32 of them, unsigned) scaled into [0, bound) without division. */
  static int below(int bits, int bound) {
    return (int) (((bits & 0xffffffffL) * bound) >>> 32);
  }

  /**
   * Whether {@code endpoint} is among the first {@code count} of {@code tried}: by identity, as
   * every pick of a request comes from the same compiled cluster (and a record's equals would
   * compare host strings on the hot path).
   */
  @SuppressWarnings("ReferenceEquality")
  static boolean tried(Endpoint @Nullable [] tried, int count, Endpoint endpoint) {
    if (tried == null) {
      return false;
    }
    for (int i = 0; i < count; i++) {
      if (tried[i] == endpoint) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code endpoint} is available and not tried yet. */
  static boolean usable(Endpoint endpoint, Endpoint @Nullable [] tried, int count) {
    return endpoint.state().isAvailable() && !tried(tried, count, endpoint);
  }

  /**
   * The first usable endpoint from {@code start} on (wrapping), else the first untried one, else
   * the one at {@code start}: an endpoint that just failed is still better than none.
   */
  static Endpoint fallback(
      Endpoint[] endpoints, int start, Endpoint @Nullable [] tried, int count) {
    int n = endpoints.length;
    for (int i = 0; i < n; i++) {
      Endpoint e = endpoints[(start + i) % n];
      if (usable(e, tried, count)) {
        return e;
      }
    }
    return untried(endpoints, start, tried, count);
  }

  /**
   * For hashing balancers: the endpoint owning {@code slots[start]} when usable, else the owner of
   * the next slot with a usable one (so a key whose endpoint is down or tried moves to the next,
   * the same for every request with that key), looked for in a bounded walk; past it, {@link
   * #fallback}.
   */
  static Endpoint walk(
      Endpoint[] endpoints, int[] slots, int start, Endpoint @Nullable [] tried, int count) {
    return walk(endpoints, slots, start, tried, count, false);
  }

  /**
   * For a level in panic: the first endpoint not tried from {@code start} on (wrapping), whatever
   * its health, else the one at {@code start}.
   */
  static Endpoint untried(Endpoint[] endpoints, int start, Endpoint @Nullable [] tried, int count) {
    int n = endpoints.length;
    for (int i = 0; i < n; i++) {
      Endpoint e = endpoints[(start + i) % n];
      if (!tried(tried, count, e)) {
        return e;
      }
    }
    return endpoints[start];
  }

  /**
   * {@link #walk} for a level in panic: the owner of {@code slots[start]} unless tried, else the
   * owner of the next slot not tried, whatever their health, so keys keep their endpoints.
   */
  static Endpoint walkIgnoringHealth(
      Endpoint[] endpoints, int[] slots, int start, Endpoint @Nullable [] tried, int count) {
    return walk(endpoints, slots, start, tried, count, true);
  }

  private static Endpoint walk(
      Endpoint[] endpoints,
      int[] slots,
      int start,
      Endpoint @Nullable [] tried,
      int count,
      boolean ignoreHealth) {
    int length = slots.length;
    int limit = Math.min(length, 8 * endpoints.length + 16);
    int slot = start;
    for (int i = 0; i < limit; i++) {
      Endpoint e = endpoints[slots[slot]];
      if (ignoreHealth ? !tried(tried, count, e) : usable(e, tried, count)) {
        return e;
      }
      slot = slot + 1 == length ? 0 : slot + 1;
    }
    return ignoreHealth
        ? untried(endpoints, slots[start], tried, count)
        : fallback(endpoints, slots[start], tried, count);
  }

  /** A 64-bit hash of {@code chars[from, to)}: FNV-1a over the chars, then {@link #mix}. */
  static long hash(CharSequence chars, int from, int to) {
    long h = 0xcbf29ce484222325L;
    for (int i = from; i < to; i++) {
      h = (h ^ chars.charAt(i)) * 0x100000001b3L;
    }
    return mix(h);
  }

  /** {@link #hash(CharSequence, int, int)} of the whole of {@code chars}. */
  static long hash(CharSequence chars) {
    return hash(chars, 0, chars.length());
  }
}
