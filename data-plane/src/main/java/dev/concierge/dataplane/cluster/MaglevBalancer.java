package dev.concierge.dataplane.cluster;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of {@value #TABLE_SIZE} (a
 * prime) slots, filled by letting each endpoint claim the next free slot of its own permutation
 * ({@code offset + j * skip}, both from hashes of its address) in turn, weighted as Envoy does (an
 * endpoint of weight w takes a turn in w of every max-weight rounds). A request key goes to the
 * owner of slot {@code hash mod size}: one array read. Removing one of N endpoints moves its keys
 * and only few others. A key whose endpoint is unavailable or tried walks on to the next slot's
 * owner. Immutable; thread-safe.
 */
public final class MaglevBalancer implements LevelBalancer {
  static final int TABLE_SIZE = 65537;

  private final Endpoint[] endpoints;
  private final int[] table;

  private MaglevBalancer(Endpoint[] endpoints, int[] table) {
    this.endpoints = endpoints;
    this.table = table;
  }

  /** Builds the table of {@code endpoints}; an empty list picks nothing. */
  public static MaglevBalancer of(List<Endpoint> endpoints) {
    Endpoint[] all = endpoints.toArray(Endpoint[]::new);
    if (all.length == 0) {
      return new MaglevBalancer(all, new int[0]);
    }
    int n = all.length;
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    long[] target = new long[n];
    int maxWeight = 0;
    for (int i = 0; i < n; i++) {
      String address = all[i].address();
      offset[i] = Long.remainderUnsigned(Picks.hash(address), TABLE_SIZE);
      skip[i] = Long.remainderUnsigned(Picks.hash(address + "#skip"), TABLE_SIZE - 1) + 1;
      maxWeight = Math.max(maxWeight, all[i].weight());
    }
    int[] table = new int[TABLE_SIZE];
    java.util.Arrays.fill(table, -1);
    int filled = 0;
    for (long round = 1; filled < TABLE_SIZE; round++) {
      for (int i = 0; i < n && filled < TABLE_SIZE; i++) {
        // An endpoint of the largest weight takes every round; one of a third of it every third.
        if (round * all[i].weight() < target[i]) {
          continue;
        }
        target[i] += maxWeight;
        int slot = (int) ((offset[i] + skip[i] * next[i]) % TABLE_SIZE);
        while (table[slot] >= 0) {
          next[i]++;
          slot = (int) ((offset[i] + skip[i] * next[i]) % TABLE_SIZE);
        }
        table[slot] = i;
        next[i]++;
        filled++;
      }
    }
    return new MaglevBalancer(all, table);
  }

  @Override
  public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
    if (table.length == 0) {
      return null;
    }
    int slot = (int) Long.remainderUnsigned(seed, TABLE_SIZE);
    return Picks.walk(endpoints, table, slot, tried, triedCount);
  }

  @Override
  public List<Endpoint> candidates() {
    return List.of(endpoints);
  }

  @Override
  public LoadBalancer ignoringHealth() {
    return new Panicking();
  }

  /** The same table in panic: a key keeps its endpoint whatever its health, unless tried. */
  private final class Panicking implements LoadBalancer {
    @Override
    public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
      if (table.length == 0) {
        return null;
      }
      int slot = (int) Long.remainderUnsigned(seed, TABLE_SIZE);
      return Picks.walkIgnoringHealth(endpoints, table, slot, tried, triedCount);
    }

    @Override
    public List<Endpoint> candidates() {
      return List.of(endpoints);
    }
  }
}
