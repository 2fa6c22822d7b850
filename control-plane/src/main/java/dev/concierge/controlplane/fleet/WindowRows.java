package dev.concierge.controlplane.fleet;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.StatsPoint;
import dev.concierge.api.v1.StatsRow;
import dev.concierge.controlplane.fleet.BucketRows.Group;
import dev.concierge.controlplane.fleet.BucketRows.Row;
import dev.concierge.controlplane.fleet.BucketRows.RowId;
import dev.concierge.controlplane.fleet.ClosedBuckets.Total;
import dev.concierge.controlplane.fleet.StatsWindow.Cell;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Reads a {@link StatsWindow} into the windowed rows of Stats: per route, cluster, endpoint and
 * node, one fleet-wide row and one per node, each with its rates, 5xx share, merged percentiles and
 * one point per bucket. The window's {@link ClosedBuckets} holds the merged buckets and the sums
 * over them, so a query merges only the bucket still filling.
 */
final class WindowRows {
  private static final long RESOLUTION_MILLIS = StatsWindow.RESOLUTION.toMillis();
  private static final long[] NONE = new long[Cell.SIZE];

  private static final Comparator<RowId> ORDER =
      Comparator.comparing(RowId::group)
          .thenComparing(RowId::name)
          .thenComparing(RowId::endpoint)
          .thenComparing(RowId::node);

  private final long from;
  private final long now;
  private final int buckets;
  private final @Nullable String node; // "nodes/{id}" of a query for one node
  private final StatsLevel level;

  private WindowRows(long from, long now, int buckets, @Nullable String node, StatsLevel level) {
    this.from = from;
    this.now = now;
    this.buckets = buckets;
    this.node = node;
    this.level = level;
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
    long open = StatsWindow.bucketStart(now);
    long from = open - (buckets - 1) * RESOLUTION_MILLIS;
    WindowRows rows =
        new WindowRows(from, now, buckets, nodeId == null ? null : "nodes/" + nodeId, level);
    ClosedBuckets.View view = window.closed().view(from, open, buckets, rows::wants);
    stats
        .setWindow(ProtoTime.duration(Duration.ofMillis(buckets * RESOLUTION_MILLIS)))
        .setWindowStart(ProtoTime.timestamp(Instant.ofEpochMilli(from)))
        .setResolution(ProtoTime.duration(StatsWindow.RESOLUTION));
    // Each answered row and the stored row it shows, in the answer's order.
    Map<RowId, RowId> shown = new TreeMap<>(ORDER);
    view.totals().keySet().forEach(source -> rows.shows(source, shown));
    shown.forEach(
        (id, source) -> {
          StatsRow row = rows.row(id, source, view);
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

  /** Whether a stored row is part of the answer: by the level, and by the node asked for. */
  private boolean wants(RowId id) {
    StatsLevel group =
        switch (id.group()) {
          case ROUTE, UNROUTED -> StatsLevel.STATS_LEVEL_ROUTES;
          case CLUSTER -> StatsLevel.STATS_LEVEL_CLUSTERS;
          case ENDPOINT -> StatsLevel.STATS_LEVEL_ENDPOINTS;
          case NODE -> StatsLevel.STATS_LEVEL_NODES;
        };
    if (level != StatsLevel.STATS_LEVEL_UNSPECIFIED
        && level != StatsLevel.UNRECOGNIZED
        && level != group) {
      return false;
    }
    if (node == null) {
      // The unrouted requests of one node show only in a query for that node.
      return id.group() != Group.UNROUTED || id.node().isEmpty();
    }
    return id.group() == Group.NODE ? id.name().equals(node) : id.node().equals(node);
  }

  /**
   * The answered rows a wanted stored row shows as: itself; for a query of one node, its rows also
   * as the "fleet-wide" ones, which are that node's alone.
   */
  private void shows(RowId source, Map<RowId, RowId> shown) {
    if (node == null || source.group() == Group.NODE) {
      shown.put(source, source);
      return;
    }
    shown.put(new RowId(source.group(), source.name(), source.endpoint(), ""), source);
    if (source.group() != Group.UNROUTED) {
      shown.put(source, source);
    }
  }

  private StatsRow row(RowId id, RowId source, ClosedBuckets.View view) {
    // An endpoint answers no status: its errors are its failed tries.
    int errors = id.group() == Group.ENDPOINT ? Cell.UPSTREAM_FAILURES : Cell.R5XX;
    Total total = view.totals().get(source);
    StatsRow.Builder row =
        StatsRow.newBuilder().setName(id.name()).setEndpoint(id.endpoint()).setNode(id.node());
    for (int b = 0; b < buckets; b++) {
      long start = from + b * RESOLUTION_MILLIS;
      BucketRows bucket = view.buckets().get(start);
      Row point = bucket == null ? null : bucket.row(source);
      long[] n = point == null ? NONE : point.counters();
      long elapsed = Math.min(RESOLUTION_MILLIS, now - start);
      row.addPoints(
          StatsPoint.newBuilder()
              .setStart(ProtoTime.timestamp(Instant.ofEpochMilli(start)))
              .setRequests(n[Cell.REQUESTS])
              .setRequestsPerSecond(perSecond(n[Cell.REQUESTS], elapsed))
              .setErrorRate(share(n[errors], n[Cell.REQUESTS]))
              .setLatencyP99Us(point == null ? 0 : point.p99()));
    }
    long[] n = total == null ? NONE : total.counters();
    if (total != null) {
      row.setLatencyP50Us(total.p50)
          .setLatencyP95Us(total.p95)
          .setLatencyP99Us(total.p99)
          .setLatencyMaxUs(total.max);
    }
    return row.setRequests(n[Cell.REQUESTS])
        .setRequestsPerSecond(perSecond(n[Cell.REQUESTS], now - from))
        .setResponses2Xx(n[Cell.R2XX])
        .setResponses3Xx(n[Cell.R3XX])
        .setResponses4Xx(n[Cell.R4XX])
        .setResponses5Xx(n[Cell.R5XX])
        .setErrorRate(share(n[errors], n[Cell.REQUESTS]))
        .setUpstreamFailures(n[Cell.UPSTREAM_FAILURES])
        .setRetries(n[Cell.RETRIES])
        .build();
  }

  /** Count per second over {@code millis}; a bucket just begun counts as one second old. */
  private static double perSecond(long count, long millis) {
    return count * 1000.0 / Math.max(1000, millis);
  }

  private static double share(long part, long whole) {
    return whole == 0 ? 0 : (double) part / whole;
  }
}
