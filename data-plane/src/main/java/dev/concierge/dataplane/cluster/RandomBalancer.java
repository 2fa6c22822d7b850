package dev.concierge.dataplane.cluster;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint drawn at random in proportion to weight, from the request's random seed; an
 * unavailable or tried one gives way to the next usable one in list order. Under slow start a
 * ramping endpoint's draw stands with probability its factor, else the draw is made again ({@link
 * SlowStartRamps#thin}), so endpoints come out in proportion to weight × factor. Thread-safe.
 */
public final class RandomBalancer implements LevelBalancer {
  private final Endpoint[] endpoints;
  private final WeightedDraw draw;
  private final @Nullable SlowStartRamps slowStart;

  private RandomBalancer(List<Endpoint> endpoints, @Nullable SlowStartRamps slowStart) {
    this.endpoints = endpoints.toArray(Endpoint[]::new);
    this.draw = new WeightedDraw(endpoints);
    this.slowStart = slowStart;
  }

  /** A balancer over {@code endpoints}; an empty list picks nothing. */
  public static RandomBalancer of(List<Endpoint> endpoints) {
    return new RandomBalancer(endpoints, null);
  }

  /** {@link #of(List)}, thinning ramping endpoints' draws under {@code slowStart} when not null. */
  static RandomBalancer of(List<Endpoint> endpoints, @Nullable SlowStartRamps slowStart) {
    return new RandomBalancer(endpoints, slowStart);
  }

  @Override
  public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
    if (endpoints.length == 0) {
      return null;
    }
    long bits = Picks.draw(seed, triedCount);
    int i = draw.index((int) bits);
    if (slowStart != null) {
      long now = slowStart.rampingAt();
      if (now != SlowStartRamps.NOT_RAMPING) {
        i = slowStart.thin(draw, endpoints, i, bits, now);
      }
    }
    Endpoint e = endpoints[i];
    return Picks.usable(e, tried, triedCount) ? e : Picks.fallback(endpoints, i, tried, triedCount);
  }

  @Override
  public List<Endpoint> candidates() {
    return List.of(endpoints);
  }

  @Override
  public LoadBalancer ignoringHealth() {
    return new Panicking();
  }

  /** Draws in panic: by weight over every endpoint, stepping only over tried ones. */
  private final class Panicking implements LoadBalancer {
    @Override
    public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
      if (endpoints.length == 0) {
        return null;
      }
      int i = draw.index((int) Picks.draw(seed, triedCount));
      return Picks.untried(endpoints, i, tried, triedCount);
    }

    @Override
    public List<Endpoint> candidates() {
      return List.of(endpoints);
    }
  }
}
