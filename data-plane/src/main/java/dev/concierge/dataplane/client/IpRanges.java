package dev.concierge.dataplane.client;

import dev.concierge.api.rules.Cidrs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Disjoint ranges of 128-bit addresses in sorted arrays, each with an index into its owner's
 * values: a lookup is one binary search, O(log n), and allocates nothing. Immutable, thread-safe.
 */
final class IpRanges {
  private final long[] firstHigh;
  private final long[] firstLow;
  private final long[] lastHigh;
  private final long[] lastLow;
  private final int[] values;

  private IpRanges(List<Entry> sorted) {
    int n = sorted.size();
    firstHigh = new long[n];
    firstLow = new long[n];
    lastHigh = new long[n];
    lastLow = new long[n];
    values = new int[n];
    for (int i = 0; i < n; i++) {
      Entry e = sorted.get(i);
      firstHigh[i] = e.block.firstHigh();
      firstLow[i] = e.block.firstLow();
      lastHigh[i] = e.block.lastHigh();
      lastLow[i] = e.block.lastLow();
      values[i] = e.value;
    }
  }

  /** A block and the index of its value. */
  record Entry(Cidrs.Block block, int value) {}

  /**
   * The table of {@code entries}.
   *
   * @param merge whether overlapping or adjacent blocks join (their values must not matter); when
   *     false an overlap is refused
   * @throws IllegalArgumentException naming the first two blocks that overlap, when not merging
   */
  static IpRanges of(List<Entry> entries, boolean merge) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing((Entry e) -> e.block, IpRanges::compareFirst));
    List<Entry> out = new ArrayList<>();
    for (Entry e : sorted) {
      if (!out.isEmpty()) {
        Entry last = out.get(out.size() - 1);
        Cidrs.Block prev = last.block;
        boolean overlaps =
            compare(e.block.firstHigh(), e.block.firstLow(), prev.lastHigh(), prev.lastLow()) <= 0;
        if (overlaps && !merge) {
          throw new IllegalArgumentException("blocks overlap");
        }
        // Merging joins adjacent blocks too (10.0.0.0/25 and 10.0.0.128/25): fewer ranges.
        if (merge && (overlaps || follows(prev, e.block))) {
          if (compare(e.block.lastHigh(), e.block.lastLow(), prev.lastHigh(), prev.lastLow()) > 0) {
            out.set(
                out.size() - 1,
                new Entry(
                    new Cidrs.Block(
                        prev.firstHigh(), prev.firstLow(), e.block.lastHigh(), e.block.lastLow()),
                    last.value));
          }
          continue;
        }
      }
      out.add(e);
    }
    return new IpRanges(out);
  }

  /** Whether {@code next} starts at the address right after {@code block}'s last. */
  private static boolean follows(Cidrs.Block block, Cidrs.Block next) {
    if (block.lastHigh() == -1L && block.lastLow() == -1L) {
      return false; // the last address of all has no successor
    }
    long low = block.lastLow() + 1;
    long high = block.lastLow() == -1L ? block.lastHigh() + 1 : block.lastHigh();
    return next.firstHigh() == high && next.firstLow() == low;
  }

  /** The value index of the range holding the address, or -1. */
  int find(long high, long low) {
    int lo = 0;
    int hi = values.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(firstHigh[mid], firstLow[mid], high, low) > 0) {
        hi = mid - 1;
      } else if (compare(lastHigh[mid], lastLow[mid], high, low) < 0) {
        lo = mid + 1;
      } else {
        return values[mid];
      }
    }
    return -1;
  }

  /** The number of ranges (after merging). */
  int size() {
    return values.length;
  }

  private static int compareFirst(Cidrs.Block a, Cidrs.Block b) {
    return compare(a.firstHigh(), a.firstLow(), b.firstHigh(), b.firstLow());
  }

  private static int compare(long aHigh, long aLow, long bHigh, long bLow) {
    int c = Long.compareUnsigned(aHigh, bHigh);
    return c != 0 ? c : Long.compareUnsigned(aLow, bLow);
  }
}
