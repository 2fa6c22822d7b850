package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.concierge.controlplane.fleet.BucketRows.Row;
import dev.concierge.controlplane.fleet.BucketRows.RowId;
import dev.concierge.controlplane.fleet.StatsWindow.Cell;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What makes a query of a long window cheap: each bucket of a {@link StatsWindow} merged into
 * {@link BucketRows} once per version (a closed bucket has one version for good), and per window
 * length the running sums over its closed buckets, which move on by subtracting the bucket that
 * left and adding the one that closed. A query then merges only the bucket still filling. A bucket
 * whose version changed (a late report, a clock stepped back) is merged again and swapped in the
 * sums; an expired one is dropped. Thread-safe.
 */
final class ClosedBuckets {
  private static final Logger log = LoggerFactory.getLogger(ClosedBuckets.class);

  /** Window lengths whose sums are kept (the dashboard's and the CLI's, and a spare). */
  static final int SPANS = 4;

  private final StatsWindow window;

  @GuardedBy("this")
  private final TreeMap<Long, BucketRows> merged = new TreeMap<>();

  // Least recently used first: window length in buckets -> sums over its closed buckets.
  @GuardedBy("this")
  private final LinkedHashMap<Integer, RowSums> sums = new LinkedHashMap<>(8, 0.75f, true);

  @GuardedBy("this")
  private long merges;

  ClosedBuckets(StatsWindow window) {
    this.window = requireNonNull(window, "window");
  }

  /**
   * A row over a whole window: summed counters (as in {@link Cell}; not to be modified) and the
   * percentiles of the merged histogram, in microseconds.
   */
  static final class Total {
    private final long[] counters;
    final long p50;
    final long p95;
    final long p99;
    final long max;

    Total(long[] counters, long p50, long p95, long p99, long max) {
      this.counters = counters;
      this.p50 = p50;
      this.p95 = p95;
      this.p99 = p99;
      this.max = max;
    }

    long[] counters() {
      return counters;
    }
  }

  /**
   * What a query reads.
   *
   * @param buckets the merged buckets of the window by start, the one still filling included;
   *     starts without traffic are absent
   * @param totals the rows over the whole window, for the rows asked for
   */
  record View(Map<Long, BucketRows> buckets, Map<RowId, Total> totals) {}

  /**
   * The {@code count} buckets from {@code from} to {@code open} (the one still filling), with the
   * totals of the rows {@code wanted} picks.
   */
  synchronized View view(long from, long open, int count, Predicate<RowId> wanted) {
    NavigableMap<Long, Long> versions = window.versions();
    merged.keySet().retainAll(versions.keySet());
    Map<Long, BucketRows> closed = new HashMap<>();
    versions
        .subMap(from, true, open, false)
        .forEach((start, version) -> closed.put(start, merged(start, version)));
    RowSums running = sums.computeIfAbsent(count, k -> new RowSums());
    if (sums.size() > SPANS) {
      sums.remove(sums.keySet().iterator().next()); // the least recently asked length
    }
    running.syncTo(closed);
    Map<Long, BucketRows> all = new HashMap<>(closed);
    Long openVersion = versions.get(open);
    BucketRows filling = openVersion == null ? null : merged(open, openVersion);
    if (filling != null) {
      all.put(open, filling);
    }
    return new View(all, running.totals(filling, wanted));
  }

  /** Buckets merged since start: a test's proof that closed ones are merged once. */
  synchronized long merges() {
    return merges;
  }

  @GuardedBy("this")
  private BucketRows merged(long start, long version) {
    BucketRows rows = merged.get(start);
    if (rows == null || rows.version() != version) {
      StatsWindow.Slot slot = window.slot(start);
      rows = BucketRows.of(slot.version(), slot.entries());
      merges++;
      merged.put(start, rows);
    }
    return rows;
  }

  /** The sums of each row over a set of merged buckets. Not thread-safe. */
  private static final class RowSums {
    private final Map<Long, BucketRows> included = new HashMap<>();
    private final Map<RowId, Sum> rows = new HashMap<>();

    /** Makes these the sums over exactly {@code wanted}, by the fewest changes. */
    void syncTo(Map<Long, BucketRows> wanted) {
      int changes = 0;
      for (Map.Entry<Long, BucketRows> e : included.entrySet()) {
        changes += wanted.get(e.getKey()) == e.getValue() ? 0 : 1;
      }
      for (Map.Entry<Long, BucketRows> e : wanted.entrySet()) {
        changes += included.get(e.getKey()) == e.getValue() ? 0 : 1;
      }
      if (changes == 0) {
        return;
      }
      if (changes < wanted.size()) {
        try {
          move(wanted);
          return;
        } catch (RuntimeException e) {
          log.warn("stats window sums out of step, summing afresh: {}", e.toString());
        }
      }
      included.clear();
      rows.clear();
      move(wanted);
    }

    private void move(Map<Long, BucketRows> wanted) {
      for (var it = included.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<Long, BucketRows> e = it.next();
        if (wanted.get(e.getKey()) != e.getValue()) {
          subtract(e.getValue());
          it.remove();
        }
      }
      for (Map.Entry<Long, BucketRows> e : wanted.entrySet()) {
        if (included.get(e.getKey()) != e.getValue()) {
          add(e.getValue());
          included.put(e.getKey(), e.getValue());
        }
      }
    }

    private void add(BucketRows bucket) {
      bucket.rows().forEach((id, row) -> rows.computeIfAbsent(id, k -> new Sum()).add(row));
    }

    private void subtract(BucketRows bucket) {
      bucket
          .rows()
          .forEach(
              (id, row) -> {
                Sum sum = rows.get(id);
                if (sum == null) {
                  throw new IllegalStateException("no sum of " + id + " to subtract from");
                }
                if (sum.subtract(row)) {
                  rows.remove(id);
                }
              });
    }

    /** The sums plus the bucket still filling, for the rows {@code wanted} picks. */
    Map<RowId, Total> totals(@Nullable BucketRows filling, Predicate<RowId> wanted) {
      Map<RowId, Total> totals = new HashMap<>();
      rows.forEach(
          (id, sum) -> {
            if (wanted.test(id)) {
              totals.put(id, sum.total(filling == null ? null : filling.row(id)));
            }
          });
      if (filling != null) {
        filling
            .rows()
            .forEach(
                (id, row) -> {
                  if (wanted.test(id) && !rows.containsKey(id)) {
                    totals.put(id, new Sum().total(row));
                  }
                });
      }
      return totals;
    }
  }

  /** One row's counters and histogram over some buckets. Not thread-safe. */
  private static final class Sum {
    private final long[] counters = new long[Cell.SIZE];
    private @Nullable Histogram latency;
    private int buckets;

    void add(Row row) {
      for (int i = 0; i < Cell.SIZE; i++) {
        counters[i] += row.counters()[i];
      }
      buckets++;
      Histogram h = Latencies.decode(row.latency());
      if (h == null) {
        return;
      }
      if (latency == null) {
        // A sum is kept for every row of a window, so it grows only to the largest latency seen
        // (about 10 KB up to 100 ms) instead of taking the node's whole hour (26 KB at 2 digits).
        latency = new Histogram(h.getNumberOfSignificantValueDigits());
      }
      latency.add(h);
    }

    /** Takes out a row added before; true when no bucket is left in this sum. */
    boolean subtract(Row row) {
      for (int i = 0; i < Cell.SIZE; i++) {
        counters[i] -= row.counters()[i];
      }
      Histogram h = Latencies.decode(row.latency());
      if (h != null) {
        if (latency == null) {
          throw new IllegalStateException("no histogram to subtract from");
        }
        latency.subtract(h);
      }
      return --buckets == 0;
    }

    /** This sum plus {@code extra} (the filling bucket's row, if any), as a Total. */
    Total total(@Nullable Row extra) {
      long[] n = counters.clone();
      Histogram h = latency;
      if (extra != null) {
        for (int i = 0; i < Cell.SIZE; i++) {
          n[i] += extra.counters()[i];
        }
        Histogram more = Latencies.decode(extra.latency());
        if (more != null) {
          h = h == null ? more : Latencies.add(Latencies.add(null, h), more);
        }
      }
      return new Total(
          n, Latencies.at(h, 50.0), Latencies.at(h, 95.0), Latencies.at(h, 99.0), Latencies.max(h));
    }
  }
}
