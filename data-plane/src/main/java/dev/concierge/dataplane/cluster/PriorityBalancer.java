package dev.concierge.dataplane.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Priority levels over one balancer per level, as Envoy splits them: a level whose available
 * endpoints are a% of its endpoints can take min(100, a × overprovisioning / 100) % of the traffic;
 * levels take their share highest first (lowest number) and what is left spills to the next, so
 * traffic stays on priority 0 while at least 1/1.4 of it is available (the default 140 %),
 * overflows in part below that, and comes back as it recovers. When the levels together can take
 * less than 100 %, their shares are scaled up to fill it; when no endpoint is available at all,
 * everything goes to the first level ("panic"), whose balancer then picks an unavailable one.
 *
 * <p>With a panic threshold (Envoy's healthy_panic_threshold), when the levels together can take
 * less than 100 % and a level has fewer than threshold % of its endpoints available, that level
 * balances over all its endpoints whatever their health ({@link LevelBalancer#ignoringHealth});
 * when every level is in panic, the traffic is split by their numbers of endpoints (Envoy's total
 * panic). Which levels panic is part of the shares, recomputed with them, never per pick.
 *
 * <p>The shares are computed only when the cluster's availability version moved or an ejection ran
 * out, so a pick is a version read, a draw from the seed and the level's own pick; a try whose
 * level has no usable endpoint left looks at the other levels, highest first. Clusters with one
 * level and no panic threshold never get this wrapper. Thread-safe.
 */
public final class PriorityBalancer implements LoadBalancer {
  private final LoadBalancer[] levels;
  private final LoadBalancer[] panicking;
  private final Endpoint[][] members;
  private final int overprovisioningPercent;
  private final int panicThresholdPercent;
  private final AtomicInteger version;
  private final LongSupplier nanoClock;
  private final List<Endpoint> candidates;
  private volatile Shares shares;

  /**
   * Cumulative percentages by level, each level's balancer now (its own, or its twin ignoring
   * health when in panic), and when they go stale. Immutable.
   */
  private static final class Shares {
    final int version;
    final boolean timed;
    final long recheckAtNanos;
    final int[] cumulative;
    final LoadBalancer[] pickers;
    final boolean[] panic;
    final boolean anyPanic;

    Shares(
        int version,
        boolean timed,
        long recheckAtNanos,
        int[] cumulative,
        LoadBalancer[] pickers,
        boolean[] panic,
        boolean anyPanic) {
      this.version = version;
      this.timed = timed;
      this.recheckAtNanos = recheckAtNanos;
      this.cumulative = cumulative;
      this.pickers = pickers;
      this.panic = panic;
      this.anyPanic = anyPanic;
    }

    boolean accepts(int level, Endpoint e, Endpoint @Nullable [] tried, int count) {
      return (anyPanic && panic[level])
          ? !Picks.tried(tried, count, e)
          : Picks.usable(e, tried, count);
    }
  }

  /**
   * @param levels one balancer per priority level, highest priority first, each over {@code
   *     members} of the same index (none empty)
   * @param panicThresholdPercent 0 (panic only when nothing is available) to 100
   * @param version the cluster's availability version ({@link ClusterState})
   */
  PriorityBalancer(
      List<LevelBalancer> levels,
      List<List<Endpoint>> members,
      int overprovisioningPercent,
      int panicThresholdPercent,
      AtomicInteger version,
      LongSupplier nanoClock) {
    this.levels = levels.toArray(LoadBalancer[]::new);
    this.panicking =
        panicThresholdPercent == 0
            ? this.levels
            : levels.stream().map(LevelBalancer::ignoringHealth).toArray(LoadBalancer[]::new);
    this.panicThresholdPercent = panicThresholdPercent;
    this.members = new Endpoint[members.size()][];
    List<Endpoint> all = new ArrayList<>();
    for (int i = 0; i < this.members.length; i++) {
      this.members[i] = members.get(i).toArray(Endpoint[]::new);
      all.addAll(members.get(i));
    }
    this.candidates = List.copyOf(all);
    this.overprovisioningPercent = overprovisioningPercent;
    this.version = version;
    this.nanoClock = nanoClock;
    this.shares = compute();
  }

  @Override
  public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
    Shares s = shares;
    if (s.version != version.get() || (s.timed && nanoClock.getAsLong() - s.recheckAtNanos >= 0)) {
      s = compute();
      shares = s;
    }
    int ticket = Picks.below((int) (Picks.mix(seed) >>> 32), 100);
    int level = 0;
    while (level < s.cumulative.length - 1 && ticket >= s.cumulative[level]) {
      level++;
    }
    Endpoint chosen = s.pickers[level].pick(seed, tried, triedCount);
    if (chosen != null && s.accepts(level, chosen, tried, triedCount)) {
      return chosen;
    }
    for (int i = 0; i < levels.length; i++) {
      if (i != level) {
        Endpoint other = s.pickers[i].pick(seed, tried, triedCount);
        if (other != null && s.accepts(i, other, tried, triedCount)) {
          return other;
        }
      }
    }
    return chosen;
  }

  /** Each level's share of the traffic now, in percent (tests, admin). */
  public int[] loads() {
    int[] cumulative = compute().cumulative;
    int[] loads = new int[cumulative.length];
    for (int i = 0; i < loads.length; i++) {
      loads[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
    }
    return loads;
  }

  /** Whether {@code level} balances over all its endpoints now (tests, admin). */
  public boolean inPanic(int level) {
    Shares s = compute();
    return s.anyPanic && s.panic[level];
  }

  private Shares compute() {
    int seen = version.get(); // before reading: a change while reading recomputes next time
    int n = levels.length;
    int[] health = new int[n];
    int[] availableCounts = new int[n];
    long total = 0;
    boolean timed = false;
    long recheckAt = 0;
    for (int i = 0; i < n; i++) {
      int available = 0;
      for (Endpoint e : members[i]) {
        EndpointState state = e.state();
        if (state.isAvailable()) {
          available++;
        } else if (state.isEjected()) {
          long until = state.ejectedUntilNanos();
          if (!timed || until - recheckAt < 0) {
            recheckAt = until;
          }
          timed = true;
        }
      }
      availableCounts[i] = available;
      health[i] =
          (int) Math.min(100, (long) available * overprovisioningPercent / members[i].length);
      total += health[i];
    }
    boolean[] panic = new boolean[n];
    boolean anyPanic = false;
    boolean allPanic = true;
    if (panicThresholdPercent > 0 && total < 100) {
      for (int i = 0; i < n; i++) {
        panic[i] =
            (long) availableCounts[i] * 100 < (long) panicThresholdPercent * members[i].length;
        anyPanic |= panic[i];
        allPanic &= panic[i];
      }
    }
    LoadBalancer[] pickers = levels;
    if (anyPanic) {
      pickers = new LoadBalancer[n];
      for (int i = 0; i < n; i++) {
        pickers[i] = panic[i] ? panicking[i] : levels[i];
      }
    }
    int[] cumulative = new int[n];
    if (anyPanic && allPanic) {
      // Total panic (Envoy): no level's health says anything, so each takes its size's share.
      int size = 0;
      for (Endpoint[] level : members) {
        size += level.length;
      }
      int sum = 0;
      for (int i = 0; i < n; i++) {
        sum += members[i].length;
        cumulative[i] = (int) ((long) sum * 100 / size);
      }
      return new Shares(seen, timed, recheckAt, cumulative, pickers, panic, true);
    }
    if (total == 0) {
      java.util.Arrays.fill(cumulative, 100); // panic: everything to the first level
      return new Shares(seen, timed, recheckAt, cumulative, pickers, panic, anyPanic);
    }
    long normalized = Math.min(100, total);
    int left = 100;
    int[] load = new int[n];
    for (int i = 0; i < n; i++) {
      load[i] = (int) Math.min(left, health[i] * 100L / normalized);
      left -= load[i];
    }
    for (int i = 0; i < n && left > 0; i++) {
      if (health[i] > 0) {
        load[i] += left; // rounding: the first level that can take traffic takes the rest
        left = 0;
      }
    }
    int sum = 0;
    for (int i = 0; i < n; i++) {
      sum += load[i];
      cumulative[i] = sum;
    }
    return new Shares(seen, timed, recheckAt, cumulative, pickers, panic, anyPanic);
  }

  @Override
  public List<Endpoint> candidates() {
    return candidates;
  }
}
