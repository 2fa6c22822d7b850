package dev.concierge.controlplane.fleet;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.StatsPoint;
import dev.concierge.api.v1.StatsRow;
import dev.concierge.controlplane.fleet.StatsWindow.Cell;
import dev.concierge.controlplane.fleet.StatsWindow.Entry;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@link StatsWindow} into the windowed rows of Stats: per route, cluster, endpoint and
 * node, one fleet-wide row and one per node, each with its rates, 5xx share, merged percentiles and
 * one point per bucket. Each stored histogram is decoded once per query.
 */
final class WindowRows {
  private static final long RESOLUTION_MILLIS = StatsWindow.RESOLUTION.toMillis();

  /** What a row groups: the kinds of StatsWindow plus whole nodes. */
  private enum Group {
    ROUTE,
    CLUSTER,
    ENDPOINT,
    NODE,
    UNROUTED
  }

  /** A row: group, name, endpoint, and node ("nodes/{id}", empty fleet-wide). */
  private record RowId(Group group, String name, String endpoint, String node) {}

  private static final Comparator<RowId> ORDER =
      Comparator.comparing(RowId::group)
          .thenComparing(RowId::name)
          .thenComparing(RowId::endpoint)
          .thenComparing(RowId::node);

  private final long from;
  private final long now;
  private final int buckets;
  private final Map<RowId, Acc> rows = new TreeMap<>(ORDER);

  private WindowRows(long from, long now, int buckets) {
    this.from = from;
    this.now = now;
    this.buckets = buckets;
  }

  /**
   * Fills the windowed fields of {@code stats}: the last {@code span} (whole buckets, the newest
   * still filling) of {@code window}, of one node or all, for one level or all.
   */
  static void fill(
      Stats.Builder stats,
      StatsWindow window,
      Duration span,
      @Nullable String nodeId,
      StatsLevel level) {
    Instant at = window.now();
    long now = at.toEpochMilli();
    int buckets = (int) Math.max(1, ceilDiv(span.toMillis(), RESOLUTION_MILLIS));
    long from = StatsWindow.bucketStart(now) - (buckets - 1) * RESOLUTION_MILLIS;
    WindowRows rows = new WindowRows(from, now, buckets);
    List<Entry> entries = window.since(from, nodeId);
    for (Entry entry : entries) {
      rows.add(entry, level);
    }
    stats
        .setWindow(ProtoTime.duration(Duration.ofMillis(buckets * RESOLUTION_MILLIS)))
        .setWindowStart(ProtoTime.timestamp(Instant.ofEpochMilli(from)))
        .setResolution(ProtoTime.duration(StatsWindow.RESOLUTION));
    rows.rows.forEach(
        (id, acc) -> {
          StatsRow row = rows.row(id, acc);
          switch (id.group()) {
            case ROUTE -> stats.addRouteRows(row);
            case CLUSTER -> stats.addClusterRows(row);
            case ENDPOINT -> stats.addEndpointRows(row);
            case NODE -> stats.addNodeRows(row);
            case UNROUTED -> stats.setUnroutedRow(row);
          }
        });
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  private static boolean wants(StatsLevel level, StatsLevel group) {
    return level == StatsLevel.STATS_LEVEL_UNSPECIFIED
        || level == StatsLevel.UNRECOGNIZED
        || level == group;
  }

  private void add(Entry entry, StatsLevel level) {
    int bucket = (int) ((entry.bucketStartMillis() - from) / RESOLUTION_MILLIS);
    if (bucket < 0 || bucket >= buckets) {
      return;
    }
    String node = "nodes/" + entry.nodeId();
    boolean nodes = wants(level, StatsLevel.STATS_LEVEL_NODES);
    if (nodes) {
      acc(new RowId(Group.NODE, node, "", "")); // a node that served nothing still has its row
    }
    for (Map.Entry<StatsWindow.Key, Cell> e : entry.cells().entrySet()) {
      StatsWindow.Key key = e.getKey();
      Cell cell = e.getValue();
      Histogram latency = Latencies.decode(cell.latency());
      switch (key.kind()) {
        case ROUTE -> {
          if (wants(level, StatsLevel.STATS_LEVEL_ROUTES)) {
            both(Group.ROUTE, key, node, bucket, cell, latency);
          }
          if (nodes) {
            acc(new RowId(Group.NODE, node, "", "")).add(bucket, cell, latency);
          }
        }
        case CLUSTER -> {
          if (wants(level, StatsLevel.STATS_LEVEL_CLUSTERS)) {
            both(Group.CLUSTER, key, node, bucket, cell, latency);
          }
        }
        case ENDPOINT -> {
          if (wants(level, StatsLevel.STATS_LEVEL_ENDPOINTS)) {
            both(Group.ENDPOINT, key, node, bucket, cell, latency);
          }
        }
        case UNROUTED -> {
          if (wants(level, StatsLevel.STATS_LEVEL_ROUTES)) {
            acc(new RowId(Group.UNROUTED, "", "", "")).add(bucket, cell, latency);
          }
          if (nodes) {
            acc(new RowId(Group.NODE, node, "", "")).add(bucket, cell, latency);
          }
        }
      }
    }
  }

  /** Adds a cell to its fleet-wide row and to the node's row. */
  private void both(
      Group group,
      StatsWindow.Key key,
      String node,
      int bucket,
      Cell cell,
      @Nullable Histogram latency) {
    acc(new RowId(group, key.name(), key.endpoint(), "")).add(bucket, cell, latency);
    // A node has one cell per row and bucket: its row may keep the decoded histogram uncopied.
    acc(new RowId(group, key.name(), key.endpoint(), node)).take(bucket, cell, latency);
  }

  private Acc acc(RowId id) {
    return rows.computeIfAbsent(id, k -> new Acc(buckets));
  }

  private StatsRow row(RowId id, Acc acc) {
    // An endpoint answers no status: its errors are its failed tries.
    int errors = id.group() == Group.ENDPOINT ? Cell.UPSTREAM_FAILURES : Cell.R5XX;
    long[] total = new long[Cell.SIZE];
    Histogram latency = null;
    StatsRow.Builder row =
        StatsRow.newBuilder().setName(id.name()).setEndpoint(id.endpoint()).setNode(id.node());
    for (int b = 0; b < buckets; b++) {
      long[] n = acc.counters[b];
      for (int i = 0; i < Cell.SIZE; i++) {
        total[i] += n[i];
      }
      Histogram h = acc.latency[b];
      if (h != null) {
        latency = Latencies.add(latency, h);
      }
      long start = from + b * RESOLUTION_MILLIS;
      long elapsed = Math.min(RESOLUTION_MILLIS, now - start);
      row.addPoints(
          StatsPoint.newBuilder()
              .setStart(ProtoTime.timestamp(Instant.ofEpochMilli(start)))
              .setRequests(n[Cell.REQUESTS])
              .setRequestsPerSecond(perSecond(n[Cell.REQUESTS], elapsed))
              .setErrorRate(share(n[errors], n[Cell.REQUESTS]))
              .setLatencyP99Us(Latencies.at(h, 99.0)));
    }
    return row.setRequests(total[Cell.REQUESTS])
        .setRequestsPerSecond(perSecond(total[Cell.REQUESTS], now - from))
        .setResponses2Xx(total[Cell.R2XX])
        .setResponses3Xx(total[Cell.R3XX])
        .setResponses4Xx(total[Cell.R4XX])
        .setResponses5Xx(total[Cell.R5XX])
        .setErrorRate(share(total[errors], total[Cell.REQUESTS]))
        .setUpstreamFailures(total[Cell.UPSTREAM_FAILURES])
        .setRetries(total[Cell.RETRIES])
        .setLatencyP50Us(Latencies.at(latency, 50.0))
        .setLatencyP95Us(Latencies.at(latency, 95.0))
        .setLatencyP99Us(Latencies.at(latency, 99.0))
        .setLatencyMaxUs(Latencies.max(latency))
        .build();
  }

  /** Count per second over {@code millis}; a bucket just begun counts as one second old. */
  private static double perSecond(long count, long millis) {
    return count * 1000.0 / Math.max(1000, millis);
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }

  /** One row's counters and histogram per bucket. Not thread-safe. */
  private static final class Acc {
    final long[][] counters;
    final @Nullable Histogram[] latency;

    Acc(int buckets) {
      counters = new long[buckets][Cell.SIZE];
      latency = new Histogram[buckets];
    }

    /**
     * As {@link #add}, keeping {@code h} itself when the bucket has none yet: the caller hands it
     * over and only reads it afterwards.
     */
    void take(int bucket, Cell cell, @Nullable Histogram h) {
      if (h != null && latency[bucket] == null) {
        latency[bucket] = h;
        add(bucket, cell, null);
      } else {
        add(bucket, cell, h);
      }
    }

    void add(int bucket, Cell cell, @Nullable Histogram h) {
      for (int i = 0; i < Cell.SIZE; i++) {
        counters[bucket][i] += cell.counter(i);
      }
      if (h != null) {
        latency[bucket] = Latencies.add(latency[bucket], h);
      }
    }
  }
}
