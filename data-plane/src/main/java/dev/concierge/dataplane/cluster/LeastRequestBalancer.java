package dev.concierge.dataplane.cluster;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Power of two choices, weighted: two endpoints drawn at random in proportion to weight, and of
 * them the one with fewer requests in flight per unit of weight ({@link EndpointState#inFlight()} /
 * weight, compared by cross-multiplying; a tie goes to the first). Idle endpoints thus share by
 * weight, and a slow endpoint, whose requests pile up, gets less. When neither draw is usable, the
 * least loaded usable endpoint of all is taken. Under slow start a ramping endpoint that wins the
 * comparison keeps the pick with probability f (its factor), else the other choice takes it, so its
 * share is what two choices would give it times f: a ramp, but not Envoy's exact effective weight,
 * which needs a weighted scheduler rather than two random choices. Thread-safe.
 */
public final class LeastRequestBalancer implements LevelBalancer {
  private final Endpoint[] endpoints;
  private final WeightedDraw draw;
  private final @Nullable SlowStartRamps slowStart;

  private LeastRequestBalancer(List<Endpoint> endpoints, @Nullable SlowStartRamps slowStart) {
    this.endpoints = endpoints.toArray(Endpoint[]::new);
    this.draw = new WeightedDraw(endpoints);
    this.slowStart = slowStart;
  }

  /** A balancer over {@code endpoints}; an empty list picks nothing. */
  public static LeastRequestBalancer of(List<Endpoint> endpoints) {
    return new LeastRequestBalancer(endpoints, null);
  }

  /** {@link #of(List)}, thinning ramping endpoints' draws under {@code slowStart} when not null. */
  static LeastRequestBalancer of(List<Endpoint> endpoints, @Nullable SlowStartRamps slowStart) {
    return new LeastRequestBalancer(endpoints, slowStart);
  }

  @Override
  public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
    int n = endpoints.length;
    if (n <= 1) {
      return n == 0 ? null : endpoints[0];
    }
    long bits = Picks.draw(seed, triedCount);
    int i = draw.index((int) bits);
    int j = draw.index((int) (bits >>> 32));
    if (j == i) {
      j = i + 1 == n ? 0 : i + 1; // two distinct choices, so the comparison means something
    }
    Endpoint a = endpoints[i];
    Endpoint b = endpoints[j];
    boolean aUsable = Picks.usable(a, tried, triedCount);
    boolean bUsable = Picks.usable(b, tried, triedCount);
    if (aUsable && bUsable) {
      boolean bLighter = lighterThan(b, a);
      if (slowStart != null) {
        long now = slowStart.rampingAt();
        if (now != SlowStartRamps.NOT_RAMPING) {
          Endpoint winner = bLighter ? b : a;
          return admitted(slowStart, winner, now, bits) ? winner : (bLighter ? a : b);
        }
      }
      return bLighter ? b : a;
    }
    if (aUsable || bUsable) {
      return aUsable ? a : b;
    }
    Endpoint best = null;
    for (Endpoint e : endpoints) {
      if (Picks.usable(e, tried, triedCount) && (best == null || lighterThan(e, best))) {
        best = e;
      }
    }
    return best != null ? best : Picks.fallback(endpoints, i, tried, triedCount);
  }

  /** Whether the ramp lets {@code winner} of the two choices stand (else the other goes). */
  private static boolean admitted(SlowStartRamps ramps, Endpoint winner, long now, long bits) {
    return ramps.admits(winner.state(), now, Picks.mix(~bits));
  }

  /** The one with fewer requests in flight per unit of weight; {@code a} on a tie. */
  private static Endpoint lighter(Endpoint a, Endpoint b) {
    return lighterThan(b, a) ? b : a;
  }

  /** Whether {@code a} has fewer requests in flight per unit of weight than {@code b}. */
  private static boolean lighterThan(Endpoint a, Endpoint b) {
    return (long) a.state().inFlight() * b.weight() < (long) b.state().inFlight() * a.weight();
  }

  @Override
  public List<Endpoint> candidates() {
    return List.of(endpoints);
  }

  @Override
  public LoadBalancer ignoringHealth() {
    return new Panicking();
  }

  /**
   * Two choices in panic: of two untried endpoints drawn by weight, the lighter, whatever health.
   */
  private final class Panicking implements LoadBalancer {
    @Override
    public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
      int n = endpoints.length;
      if (n <= 1) {
        return n == 0 ? null : endpoints[0];
      }
      long bits = Picks.draw(seed, triedCount);
      int i = draw.index((int) bits);
      int j = draw.index((int) (bits >>> 32));
      if (j == i) {
        j = i + 1 == n ? 0 : i + 1;
      }
      Endpoint a = endpoints[i];
      Endpoint b = endpoints[j];
      boolean aFresh = !Picks.tried(tried, triedCount, a);
      boolean bFresh = !Picks.tried(tried, triedCount, b);
      if (aFresh && bFresh) {
        return lighter(a, b);
      }
      if (aFresh || bFresh) {
        return aFresh ? a : b;
      }
      return Picks.untried(endpoints, i, tried, triedCount);
    }

    @Override
    public List<Endpoint> candidates() {
      return List.of(endpoints);
    }
  }
}
