package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import dev.concierge.controlplane.fleet.StatsWindow.Cell;
import dev.concierge.controlplane.fleet.StatsWindow.Entry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * One 10 s bucket of the whole fleet, merged into the rows GetStats answers with: per route,
 * cluster, endpoint and unrouted, the sum over the nodes and each node's own; and each node's whole
 * traffic. Every row keeps its counters, its p99 and its compressed histogram, so a closed bucket
 * is merged once and then only read. Immutable.
 */
final class BucketRows {
  /** What a row groups: the kinds of StatsWindow plus whole nodes. */
  enum Group {
    ROUTE,
    CLUSTER,
    ENDPOINT,
    NODE,
    UNROUTED
  }

  /**
   * A row: group, name, endpoint, and node ("nodes/{id}"; empty for the sum over the nodes). A NODE
   * row is named after its node and has no node; the unrouted requests have a per-node row too,
   * which only a query for that node shows.
   */
  record RowId(Group group, String name, String endpoint, String node) {
    RowId {
      requireNonNull(group, "group");
      requireNonNull(name, "name");
      requireNonNull(endpoint, "endpoint");
      requireNonNull(node, "node");
    }
  }

  /**
   * One row in this bucket: counters as in {@link Cell}, the 99th percentile in microseconds (0
   * without samples) and the compressed histogram (empty without samples). Immutable: the arrays
   * are not to be modified.
   */
  static final class Row {
    private final long[] counters;
    private final long p99;
    private final byte[] latency;

    Row(long[] counters, long p99, byte[] latency) {
      this.counters = counters;
      this.p99 = p99;
      this.latency = latency;
    }

    long[] counters() {
      return counters;
    }

    long p99() {
      return p99;
    }

    byte[] latency() {
      return latency;
    }
  }

  private final long version;
  private final Map<RowId, Row> rows;

  private BucketRows(long version, Map<RowId, Row> rows) {
    this.version = version;
    this.rows = Map.copyOf(rows);
  }

  /** The window's version of the bucket these rows were merged from. */
  long version() {
    return version;
  }

  /** Every row. */
  Map<RowId, Row> rows() {
    return rows;
  }

  /** A row, or null when the bucket has none. */
  @Nullable Row row(RowId id) {
    return rows.get(id);
  }

  /**
   * Merges the entries of one bucket (one per node); {@code version} is the window's version of
   * that bucket. Each stored histogram is decoded once.
   */
  static BucketRows of(long version, List<Entry> entries) {
    Map<RowId, Merge> merges = new HashMap<>();
    for (Entry entry : entries) {
      String node = "nodes/" + entry.nodeId();
      // A node that served nothing still has its row.
      Merge whole = merges.computeIfAbsent(new RowId(Group.NODE, node, "", ""), k -> new Merge());
      for (Map.Entry<StatsWindow.Key, Cell> e : entry.cells().entrySet()) {
        StatsWindow.Key key = e.getKey();
        Cell cell = e.getValue();
        Group group = group(key.kind());
        @Nullable Histogram latency = Latencies.decode(cell.latency());
        merges
            .computeIfAbsent(new RowId(group, key.name(), key.endpoint(), ""), k -> new Merge())
            .add(cell, latency);
        merges
            .computeIfAbsent(new RowId(group, key.name(), key.endpoint(), node), k -> new Merge())
            .add(cell, latency);
        if (group == Group.ROUTE || group == Group.UNROUTED) {
          whole.add(cell, latency);
        }
      }
    }
    Map<RowId, Row> rows = new HashMap<>();
    merges.forEach((id, merge) -> rows.put(id, merge.row()));
    return new BucketRows(version, rows);
  }

  private static Group group(StatsWindow.Kind kind) {
    return switch (kind) {
      case ROUTE -> Group.ROUTE;
      case CLUSTER -> Group.CLUSTER;
      case ENDPOINT -> Group.ENDPOINT;
      case UNROUTED -> Group.UNROUTED;
    };
  }

  /** The cells of one row; one cell keeps its bytes, several are encoded once. Not thread-safe. */
  private static final class Merge {
    private final long[] counters = new long[Cell.SIZE];
    private @Nullable Histogram latency;
    private byte[] encoded = new byte[0];
    // Whether latency is a cell's own decoded histogram (shared with other rows: only read).
    private boolean shared;

    void add(Cell cell, @Nullable Histogram h) {
      for (int i = 0; i < Cell.SIZE; i++) {
        counters[i] += cell.counter(i);
      }
      if (h == null) {
        return;
      }
      if (latency == null) {
        latency = h;
        encoded = cell.latency();
        shared = true;
        return;
      }
      if (shared) {
        latency = Latencies.add(null, latency); // a copy of our own to add into
        shared = false;
      }
      latency.add(h);
    }

    Row row() {
      byte[] bytes = latency != null && !shared ? Latencies.encode(latency) : encoded;
      return new Row(counters, Latencies.at(latency, 99.0), bytes);
    }
  }
}
