package dev.concierge.dataplane.cluster;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint drawn at random in proportion to weight, from the request's random seed; an
 * unavailable or tried one gives way to the next usable one in list order. Thread-safe.
 */
public final class RandomBalancer implements LoadBalancer {
  private final Endpoint[] endpoints;
  private final WeightedDraw draw;

  private RandomBalancer(List<Endpoint> endpoints) {
    this.endpoints = endpoints.toArray(Endpoint[]::new);
    this.draw = new WeightedDraw(endpoints);
  }

  /** A balancer over {@code endpoints}; an empty list picks nothing. */
  public static RandomBalancer of(List<Endpoint> endpoints) {
    return new RandomBalancer(endpoints);
  }

  @Override
  public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
    if (endpoints.length == 0) {
      return null;
    }
    int i = draw.index((int) Picks.draw(seed, triedCount));
    Endpoint e = endpoints[i];
    return Picks.usable(e, tried, triedCount) ? e : Picks.fallback(endpoints, i, tried, triedCount);
  }

  @Override
  public List<Endpoint> candidates() {
    return List.of(endpoints);
  }
}
