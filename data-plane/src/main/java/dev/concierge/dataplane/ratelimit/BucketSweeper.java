package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Drops full buckets (the same as none) of the rate limits in force, every {@value #PERIOD_SECONDS}
 * seconds on one daemon thread shared by the JVM's nodes, so a limit's memory follows the keys
 * active within one refill, not every key ever seen. Each compiler registers the rules of its last
 * snapshot; a compiler that is gone (its node stopped) is forgotten. Thread-safe.
 */
public final class BucketSweeper {
  static final long PERIOD_SECONDS = 10;

  private static final BucketSweeper SHARED = new BucketSweeper();

  // By compiler, weakly: a stopped node's compiler and its rules can be collected.
  private final Map<Object, Owned> owners = new WeakHashMap<>();
  private boolean started;

  private record Owned(List<RateLimitRule> rules, LongSupplier nanoTime) {}

  /** A sweeper that runs only when {@link #sweepNow} is called (tests). */
  public BucketSweeper() {}

  /** The JVM's sweeper, started with the first rule registered. */
  static BucketSweeper shared() {
    return SHARED;
  }

  /** From now on sweeps {@code rules} (replacing what {@code owner} registered before). */
  synchronized void keep(Object owner, Collection<RateLimitRule> rules, LongSupplier nanoTime) {
    requireNonNull(owner, "owner");
    owners.put(owner, new Owned(List.copyOf(rules), requireNonNull(nanoTime, "nanoTime")));
    if (this == SHARED && !started && !rules.isEmpty()) {
      started = true;
      ScheduledExecutorService timer =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread thread = new Thread(r, "concierge-rate-limit-sweeper");
                thread.setDaemon(true);
                return thread;
              });
      // sweepNow throws nothing a bucket map can throw; the schedule runs for the JVM.
      var unused =
          timer.scheduleWithFixedDelay(
              this::sweepNow, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** Sweeps every registered rule once; returns the buckets dropped. */
  public long sweepNow() {
    List<Owned> all;
    synchronized (this) {
      all = new ArrayList<>(owners.values());
    }
    long dropped = 0;
    for (Owned owned : all) {
      long now = owned.nanoTime().getAsLong();
      for (RateLimitRule rule : owned.rules()) {
        dropped += rule.sweep(now);
      }
    }
    return dropped;
  }
}
