package dev.concierge.dataplane.upstream;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Weighted round robin over the endpoints of the highest priority (lowest number).
 *
 * <p>The schedule is precomputed with the smooth weighted round-robin interleaving (as nginx does),
 * so weights 5:1:1 give {@code a a b a c a a} rather than five {@code a} in a row; a request only
 * increments an {@link AtomicLong}. Lower priorities are ignored until health checks can mark the
 * higher ones unavailable. Thread-safe.
 */
public final class RoundRobinBalancer implements LoadBalancer {
  /** Keeps the schedule array small even for many heavy endpoints. */
  private static final int MAX_SCHEDULE = 1 << 16;

  private final Endpoint[] schedule;
  private final List<Endpoint> candidates;
  private final AtomicLong counter = new AtomicLong();

  private RoundRobinBalancer(List<Endpoint> candidates, Endpoint[] schedule) {
    this.candidates = List.copyOf(candidates);
    this.schedule = schedule;
  }

  /** Builds the schedule for {@code endpoints}; an empty list gives a balancer that picks nothing. */
  public static RoundRobinBalancer of(List<Endpoint> endpoints) {
    if (endpoints.isEmpty()) {
      return new RoundRobinBalancer(List.of(), new Endpoint[0]);
    }
    int best = endpoints.stream().mapToInt(Endpoint::priority).min().orElseThrow();
    List<Endpoint> group = new ArrayList<>();
    for (Endpoint e : endpoints) {
      if (e.priority() == best) {
        group.add(e);
      }
    }
    int[] weights = reducedWeights(group);
    long total = 0;
    for (int w : weights) {
      total += w;
    }
    int length = (int) Math.min(total, MAX_SCHEDULE);
    Endpoint[] schedule = new Endpoint[length];
    long[] current = new long[weights.length];
    for (int slot = 0; slot < length; slot++) {
      int chosen = 0;
      for (int i = 0; i < weights.length; i++) {
        current[i] += weights[i];
        if (current[i] > current[chosen]) {
          chosen = i;
        }
      }
      current[chosen] -= total;
      schedule[slot] = group.get(chosen);
    }
    return new RoundRobinBalancer(group, schedule);
  }

  private static int[] reducedWeights(List<Endpoint> group) {
    int gcd = 0;
    for (Endpoint e : group) {
      gcd = BigInteger.valueOf(gcd).gcd(BigInteger.valueOf(e.weight())).intValue();
    }
    int[] weights = new int[group.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = group.get(i).weight() / gcd;
    }
    return weights;
  }

  @Override
  public Endpoint pick() {
    if (schedule.length == 0) {
      return null;
    }
    return schedule[(int) Math.floorMod(counter.getAndIncrement(), (long) schedule.length)];
  }

  @Override
  public List<Endpoint> candidates() {
    return candidates;
  }
}
