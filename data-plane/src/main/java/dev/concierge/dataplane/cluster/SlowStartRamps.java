package dev.concierge.dataplane.cluster;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The ramps of one compiled cluster's endpoints under a {@link SlowStartPolicy}: whether any
 * endpoint ramps now, each endpoint's weight factor, and the draws that thin a ramping endpoint's
 * picks to that factor.
 *
 * <p>Ramps begin only when the availability version moves (an endpoint came back) or at compile (an
 * endpoint joined), so {@link #rampingAt()} is a version read while none ramps, and reads the clock
 * only while one did at the last look; the first look past the last ramp's end turns it off. Built
 * only for clusters with slow start, so others never get here. Thread-safe.
 */
final class SlowStartRamps {
  /** Redraws at most per pick: after them the last draw stands (a bias of f^8-ish, negligible). */
  static final int MAX_REDRAWS = 8;

  /** {@link #rampingAt()} when no endpoint ramps. */
  static final long NOT_RAMPING = Long.MIN_VALUE;

  private static final int ADMIT_BITS = 24;
  private static final long DRAW_GAMMA = 0xbf58476d1ce4e5b9L;

  private final long windowNanos;
  private final double minWeight;
  private final double exponent;
  private final EndpointState[] states;
  private final AtomicInteger version;
  private final LongSupplier nanoClock;
  private volatile Ramp ramp;

  /** Whether an endpoint ramped at {@code version}, and until when at the latest. Immutable. */
  private static final class Ramp {
    final int version;
    final boolean ramping;
    final long untilNanos;

    Ramp(int version, boolean ramping, long untilNanos) {
      this.version = version;
      this.ramping = ramping;
      this.untilNanos = untilNanos;
    }
  }

  /**
   * @param policy an enabled policy
   * @param version the cluster's availability version ({@link ClusterState})
   */
  SlowStartRamps(
      SlowStartPolicy policy, List<Endpoint> endpoints, AtomicInteger version, LongSupplier clock) {
    this.windowNanos = policy.window().toNanos();
    this.minWeight = policy.minWeight();
    this.exponent = 1.0 / policy.aggression();
    this.states = endpoints.stream().map(Endpoint::state).toArray(EndpointState[]::new);
    this.version = version;
    this.nanoClock = clock;
    this.ramp = compute();
  }

  /**
   * The clock's reading when some endpoint ramps now, else {@link #NOT_RAMPING}; a version read
   * while none does. (A clock reading of exactly NOT_RAMPING costs one pick its ramp: harmless.)
   */
  long rampingAt() {
    Ramp r = ramp;
    if (r.version != version.get()) {
      r = compute();
      ramp = r;
    }
    if (!r.ramping) {
      return NOT_RAMPING;
    }
    long now = nanoClock.getAsLong();
    if (now - r.untilNanos < 0) {
      return now;
    }
    ramp = new Ramp(r.version, false, 0); // a newer one that this overwrites has a newer version
    return NOT_RAMPING;
  }

  /** The weight factor of {@code state} at {@code now}: 1 outside a ramp. */
  double factor(EndpointState state, long now) {
    long start = state.rampStartNanos();
    if (start == EndpointState.NO_RAMP) {
      return 1.0;
    }
    long t = now - start;
    if (t >= windowNanos) {
      return 1.0;
    }
    double progress = t <= 0 ? 0 : (double) t / windowNanos;
    return Math.max(minWeight, exponent == 1.0 ? progress : Math.pow(progress, exponent));
  }

  /** Whether a pick of {@code state} stands, with probability its factor, from {@code bits}. */
  boolean admits(EndpointState state, long now, long bits) {
    double f = factor(state, now);
    return f >= 1.0 || (bits >>> (64 - ADMIT_BITS)) < (long) (f * (1 << ADMIT_BITS));
  }

  /**
   * The index {@code first} drawn by weight, kept with probability its factor, else drawn again (up
   * to {@value #MAX_REDRAWS} times): endpoint i then comes out in proportion to weight(i) ×
   * factor(i), Envoy's effective weight.
   */
  int thin(WeightedDraw draw, Endpoint[] endpoints, int first, long bits, long now) {
    int i = first;
    for (int k = 1; k <= MAX_REDRAWS; k++) {
      long b = Picks.mix(bits + DRAW_GAMMA * k);
      if (admits(endpoints[i].state(), now, b)) {
        return i;
      }
      i = draw.index((int) b);
    }
    return i;
  }

  private Ramp compute() {
    int seen = version.get(); // before reading: a change while reading recomputes next time
    long now = nanoClock.getAsLong();
    boolean ramping = false;
    long until = 0;
    for (EndpointState state : states) {
      long start = state.rampStartNanos();
      if (start != EndpointState.NO_RAMP && state.isAvailable() && now - start < windowNanos) {
        long end = start + windowNanos;
        if (!ramping || end - until > 0) {
          until = end;
        }
        ramping = true;
      }
    }
    return new Ramp(seen, ramping, until);
  }
}
