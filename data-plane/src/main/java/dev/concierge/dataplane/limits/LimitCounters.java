package dev.concierge.dataplane.limits;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * What one listener turned away, by {@link Refusal}: node-lifetime counters, read at scrape time.
 * Thread-safe.
 */
public final class LimitCounters {
  // Filled once in the constructor, only read after: safe to share.
  private final Map<Refusal, LongAdder> counts = new EnumMap<>(Refusal.class);

  public LimitCounters() {
    for (Refusal why : Refusal.values()) {
      counts.put(why, new LongAdder());
    }
  }

  /** Counts one refusal for {@code why}. */
  public void count(Refusal why) {
    adder(why).increment();
  }

  /** Refusals for {@code why} since the node started. */
  public long get(Refusal why) {
    return adder(why).sum();
  }

  private LongAdder adder(Refusal why) {
    LongAdder adder = counts.get(why);
    if (adder == null) {
      throw new IllegalArgumentException("no counter for " + why);
    }
    return adder;
  }

  /** Every reason's count now. */
  public Map<Refusal, Long> snapshot() {
    Map<Refusal, Long> out = new EnumMap<>(Refusal.class);
    for (Refusal why : Refusal.values()) {
      out.put(why, get(why));
    }
    return out;
  }
}
