package dev.concierge.dataplane.cluster;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Power of two choices, weighted: two endpoints drawn at random in proportion to weight, and of
 * them the one with fewer requests in flight per unit of weight ({@link EndpointState#inFlight()} /
 * weight, compared by cross-multiplying; a tie goes to the first). Idle endpoints thus share by
 * weight, and a slow endpoint, whose requests pile up, gets less. When neither draw is usable, the
 * least loaded usable endpoint of all is taken. Thread-safe.
 */
public final class LeastRequestBalancer implements LoadBalancer {
  private final Endpoint[] endpoints;
  private final WeightedDraw draw;

  private LeastRequestBalancer(List<Endpoint> endpoints) {
    this.endpoints = endpoints.toArray(Endpoint[]::new);
    this.draw = new WeightedDraw(endpoints);
  }

  /** A balancer over {@code endpoints}; an empty list picks nothing. */
  public static LeastRequestBalancer of(List<Endpoint> endpoints) {
    return new LeastRequestBalancer(endpoints);
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
      return lighter(a, b);
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
}
