package dev.concierge.dataplane.cluster;

import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Smooth weighted round robin over the endpoints of one priority level.
 *
 * <p>The schedule is precomputed with the smooth weighted round-robin interleaving (as nginx does),
 * so weights 5:1:1 give {@code a a b a c a a} rather than five {@code a} in a row; a request only
 * increments an {@link AtomicLong}, the cluster's node-lifetime position, so round robin goes on
 * where it was across config swaps. Unavailable and already-tried endpoints are stepped over while
 * another is left. It draws no random number and ignores the seed.
 *
 * <p>Slow start: while an endpoint ramps, a first try that lands on its slot keeps it with
 * probability f (its factor), drawn from the position itself, else takes the next position. Per
 * round of the schedule (total weight W), the ramping endpoint's w slots thus serve w × f requests
 * and every other slot one, so its share is w f / (W - w + w f): in proportion to weight × factor,
 * Envoy's effective weight. Thread-safe.
 */
public final class RoundRobinBalancer implements LevelBalancer {
  /** Keeps the schedule array small even for many heavy endpoints. */
  private static final int MAX_SCHEDULE = 1 << 16;

  private final Endpoint[] schedule;
  private final List<Endpoint> candidates;
  private final AtomicLong counter;
  private final @Nullable SlowStartRamps slowStart;

  private RoundRobinBalancer(
      List<Endpoint> candidates,
      Endpoint[] schedule,
      AtomicLong position,
      @Nullable SlowStartRamps slowStart) {
    this.candidates = List.copyOf(candidates);
    this.schedule = schedule;
    this.counter = position;
    this.slowStart = slowStart;
  }

  /** A balancer with a position of its own (tests). */
  public static RoundRobinBalancer of(List<Endpoint> endpoints) {
    return of(endpoints, new AtomicLong());
  }

  /**
   * Builds the schedule for {@code endpoints} (one priority level), advancing the shared {@code
   * position}; an empty list gives a balancer that picks nothing.
   */
  public static RoundRobinBalancer of(List<Endpoint> endpoints, AtomicLong position) {
    return of(endpoints, position, null);
  }

  /** {@link #of(List, AtomicLong)}, ramping endpoints under {@code slowStart} when not null. */
  static RoundRobinBalancer of(
      List<Endpoint> endpoints, AtomicLong position, @Nullable SlowStartRamps slowStart) {
    if (endpoints.isEmpty()) {
      return new RoundRobinBalancer(List.of(), new Endpoint[0], position, slowStart);
    }
    List<Endpoint> group = List.copyOf(endpoints);
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
    return new RoundRobinBalancer(group, schedule, position, slowStart);
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
  public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
    int length = schedule.length;
    if (length == 0) {
      return null;
    }
    // A retry does not advance the shared position: it walks on from where the first try's pick
    // left it, so a dead endpoint costs one retry per round, not one per request.
    long start = triedCount == 0 ? counter.getAndIncrement() : counter.get();
    if (slowStart != null && triedCount == 0) {
      long now = slowStart.rampingAt();
      if (now != SlowStartRamps.NOT_RAMPING) {
        start = admit(slowStart, start, now);
      }
    }
    Endpoint first = schedule[(int) Math.floorMod(start, (long) length)];
    if (first.state().isAvailable() && !Picks.tried(tried, triedCount, first)) {
      return first;
    }
    // Rare (a retry, or an unavailable endpoint): walk the schedule once for a better one.
    for (int i = 1; i < length; i++) {
      Endpoint next = schedule[(int) Math.floorMod(start + i, (long) length)];
      if (Picks.usable(next, tried, triedCount)) {
        return next;
      }
    }
    for (int i = 0; i < length; i++) {
      Endpoint next = schedule[(int) Math.floorMod(start + i, (long) length)];
      if (!Picks.tried(tried, triedCount, next)) {
        return next; // every untried one is unavailable: still better than one that just failed
      }
    }
    return first;
  }

  /** The first position from {@code start} on whose ramping endpoint, if any, admits the pick. */
  private long admit(SlowStartRamps ramps, long start, long now) {
    long position = start;
    for (int i = 0; i < schedule.length; i++) {
      Endpoint e = schedule[(int) Math.floorMod(position, (long) schedule.length)];
      if (ramps.admits(e.state(), now, Picks.mix(position))) {
        return position;
      }
      position = counter.getAndIncrement();
    }
    return position;
  }

  @Override
  public List<Endpoint> candidates() {
    return candidates;
  }

  @Override
  public LoadBalancer ignoringHealth() {
    return new Panicking();
  }

  /** The schedule in panic: every endpoint in turn, stepping only over tried ones. */
  private final class Panicking implements LoadBalancer {
    @Override
    public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
      int length = schedule.length;
      if (length == 0) {
        return null;
      }
      long start = triedCount == 0 ? counter.getAndIncrement() : counter.get();
      for (int i = 0; i < length; i++) {
        Endpoint next = schedule[(int) Math.floorMod(start + i, (long) length)];
        if (!Picks.tried(tried, triedCount, next)) {
          return next;
        }
      }
      return schedule[(int) Math.floorMod(start, (long) length)];
    }

    @Override
    public List<Endpoint> candidates() {
      return candidates;
    }
  }
}
