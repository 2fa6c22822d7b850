package dev.concierge.dataplane.ratelimit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

/**
 * A {@link RateLimitStore} in memory, on an injected clock: the same GCRA the Redis script runs,
 * answering at once, failing every lease while {@link #failing} is set, or holding answers until
 * {@link #release()} while {@link #holding} is.
 */
final class FakeStore implements RateLimitStore {
  private final LongSupplier nanoTime;
  private final Map<String, Long> arrivals = new HashMap<>();
  private final List<Runnable> held = new ArrayList<>();
  final List<String> leases = new ArrayList<>();
  final List<Long> wants = new ArrayList<>();
  boolean failing;
  boolean holding;

  FakeStore(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  @Override
  public synchronized CompletionStage<Grant> lease(
      String key, long intervalNanos, long capacityNanos, long want) {
    leases.add(key);
    wants.add(want);
    if (failing) {
      return CompletableFuture.failedFuture(new IllegalStateException("store down"));
    }
    if (holding) {
      CompletableFuture<Grant> later = new CompletableFuture<>();
      held.add(() -> later.complete(grant(key, intervalNanos, capacityNanos, want)));
      return later;
    }
    return CompletableFuture.completedFuture(grant(key, intervalNanos, capacityNanos, want));
  }

  private Grant grant(String key, long intervalNanos, long capacityNanos, long want) {
    long now = nanoTime.getAsLong();
    long arrival = Math.max(arrivals.getOrDefault(key, now), now);
    long free = (capacityNanos - (arrival - now)) / intervalNanos;
    if (free < 1) {
      return new Grant(0, arrival + intervalNanos - capacityNanos - now, 0);
    }
    long granted = Math.min(free, want);
    arrival += granted * intervalNanos;
    arrivals.put(key, arrival);
    return new Grant(granted, 0, arrival - now);
  }

  /** Answers every held lease. */
  void release() {
    List<Runnable> answers;
    synchronized (this) {
      answers = new ArrayList<>(held);
      held.clear();
      holding = false;
    }
    answers.forEach(Runnable::run);
  }
}
