package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.api.v1.TrafficDelta;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rolling window of the nodes' traffic: per node, 10 s buckets (by the control plane's clock at
 * receipt) of the delta reports, each holding per route, cluster, endpoint and unrouted the summed
 * counters and one compressed HdrHistogram; histograms are decoded and merged only when asked
 * ({@link WindowRows}), a closed bucket once ({@link ClosedBuckets}). Every bucket start has a
 * version that changes whenever a report lands in it, so merges of it can tell they are stale.
 * Keeps {@link #RETENTION}; older buckets are dropped as time moves on, and a node whose buckets
 * are all gone is forgotten. Thread-safe.
 */
public final class StatsWindow {
  private static final Logger log = LoggerFactory.getLogger(StatsWindow.class);

  /** Width of one bucket. */
  public static final Duration RESOLUTION = Duration.ofSeconds(10);

  /** The longest window a query may ask for. */
  public static final Duration MAX_WINDOW = Duration.ofMinutes(15);

  /** The window a query gets when it names none. */
  public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

  /** How much is kept: the longest window plus the bucket still filling. */
  static final Duration RETENTION = MAX_WINDOW.plus(RESOLUTION);

  private static final long RESOLUTION_MILLIS = RESOLUTION.toMillis();

  /** What a row counts: a route, a cluster, an endpoint of a cluster, or the unrouted requests. */
  public enum Kind {
    ROUTE,
    CLUSTER,
    ENDPOINT,
    UNROUTED
  }

  /** A row of one node's bucket: kind, resource name, and the endpoint for endpoint rows. */
  public record Key(Kind kind, String name, String endpoint) {
    public Key {
      requireNonNull(kind, "kind");
      requireNonNull(name, "name");
      requireNonNull(endpoint, "endpoint");
    }
  }

  /**
   * The counters of one row in one bucket, immutable: requests, 2xx, 3xx, 4xx, 5xx, upstream
   * failures and retries, and the compressed latency histogram (empty without samples).
   */
  public static final class Cell {
    static final int REQUESTS = 0;
    static final int R2XX = 1;
    static final int R3XX = 2;
    static final int R4XX = 3;
    static final int R5XX = 4;
    static final int UPSTREAM_FAILURES = 5;
    static final int RETRIES = 6;
    static final int SIZE = 7;

    private final long[] counters;
    private final byte[] latency;

    private Cell(long[] counters, byte[] latency) {
      this.counters = counters;
      this.latency = latency;
    }

    static Cell of(TrafficCounters c) {
      long[] n = new long[SIZE];
      n[REQUESTS] = c.getRequests();
      n[R2XX] = c.getResponses2Xx();
      n[R3XX] = c.getResponses3Xx();
      n[R4XX] = c.getResponses4Xx();
      n[R5XX] = c.getResponses5Xx();
      n[UPSTREAM_FAILURES] = c.getUpstreamFailures();
      n[RETRIES] = c.getRetries();
      // A copy: the parsed report's bytes may alias its whole buffer.
      return new Cell(n, c.getLatencyHistogram().toByteArray());
    }

    /** Counter {@code i} (REQUESTS ... RETRIES). */
    long counter(int i) {
      return counters[i];
    }

    /** The compressed histogram; empty without samples. Not to be modified. */
    byte[] latency() {
      return latency;
    }

    /** This cell plus {@code other}; histograms that cannot be read are left out. */
    Cell plus(Cell other) {
      long[] n = counters.clone();
      for (int i = 0; i < SIZE; i++) {
        n[i] += other.counters[i];
      }
      return new Cell(n, Latencies.sum(latency, other.latency));
    }
  }

  /** One bucket of one node, as a query reads it. */
  public record Entry(String nodeId, long bucketStartMillis, Map<Key, Cell> cells) {}

  /** Every node's bucket at one start, and the version of that start when read. */
  record Slot(long version, List<Entry> entries) {
    Slot {
      entries = List.copyOf(entries);
    }
  }

  private final Clock clock;
  // Guarded by this: node id -> bucket start (epoch millis) -> row -> cell.
  private final Map<String, NodeSeries> nodes = new HashMap<>();
  // Guarded by this: bucket start -> the value of changes when a report last landed there.
  private final TreeMap<Long, Long> versions = new TreeMap<>();
  private long changes;
  private long gaps;
  private final ClosedBuckets closed = new ClosedBuckets(this);

  public StatsWindow(Clock clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /** One node's buckets, and the last delta sequence seen from its current process. */
  private static final class NodeSeries {
    final TreeMap<Long, Map<Key, Cell>> buckets = new TreeMap<>();
    long lastSequence;
  }

  /** Adds a node's delta to the bucket of now. */
  public synchronized void add(String nodeId, TrafficDelta delta) {
    long now = clock.millis();
    expire(now);
    NodeSeries series = nodes.computeIfAbsent(nodeId, k -> new NodeSeries());
    long sequence = delta.getSequence();
    if (series.lastSequence > 0 && sequence > series.lastSequence + 1) {
      gaps += sequence - series.lastSequence - 1;
      log.debug("node {}: {} delta reports lost", nodeId, sequence - series.lastSequence - 1);
    }
    // A lower sequence is a new process of the node: its sequence starts again at 1.
    series.lastSequence = sequence;
    long start = bucketStart(now);
    versions.put(start, ++changes);
    Map<Key, Cell> bucket = series.buckets.computeIfAbsent(start, k -> new HashMap<>());
    for (TrafficCounters c : delta.getRoutesList()) {
      bucket.merge(new Key(Kind.ROUTE, c.getName(), ""), Cell.of(c), Cell::plus);
    }
    for (TrafficCounters c : delta.getClustersList()) {
      bucket.merge(new Key(Kind.CLUSTER, c.getName(), ""), Cell.of(c), Cell::plus);
    }
    for (TrafficCounters c : delta.getEndpointsList()) {
      bucket.merge(new Key(Kind.ENDPOINT, c.getName(), c.getEndpoint()), Cell.of(c), Cell::plus);
    }
    if (delta.hasUnrouted()) {
      bucket.merge(new Key(Kind.UNROUTED, "", ""), Cell.of(delta.getUnrouted()), Cell::plus);
    }
  }

  /** Delta reports that never arrived (sequence gaps), since this control plane started. */
  public synchronized long lostReports() {
    return gaps;
  }

  /**
   * The buckets that start at or after {@code fromMillis}, of one node or all (oldest first per
   * node); the cells are immutable, so the caller merges them without holding this window.
   */
  public synchronized List<Entry> since(long fromMillis, @Nullable String nodeId) {
    expire(clock.millis());
    List<Entry> out = new ArrayList<>();
    nodes.forEach(
        (id, series) -> {
          if (nodeId == null || nodeId.equals(id)) {
            series
                .buckets
                .tailMap(fromMillis, true)
                .forEach((start, cells) -> out.add(new Entry(id, start, Map.copyOf(cells))));
          }
        });
    return out;
  }

  /**
   * Fills the windowed fields of {@code stats} (rows, points, window): the last {@code span} of one
   * node or all ({@code nodeId} null), for one level or all.
   */
  public void fill(Stats.Builder stats, Duration span, @Nullable String nodeId, StatsLevel level) {
    WindowRows.fill(stats, this, span, nodeId, level);
  }

  /** The version of every bucket start that holds a bucket of some node, oldest first. */
  synchronized NavigableMap<Long, Long> versions() {
    expire(clock.millis());
    return new TreeMap<>(versions);
  }

  /** Every node's bucket that starts at {@code start}, with the version of that start. */
  synchronized Slot slot(long start) {
    expire(clock.millis());
    List<Entry> entries = new ArrayList<>();
    nodes.forEach(
        (id, series) -> {
          Map<Key, Cell> cells = series.buckets.get(start);
          if (cells != null) {
            entries.add(new Entry(id, start, Map.copyOf(cells)));
          }
        });
    return new Slot(versions.getOrDefault(start, 0L), entries);
  }

  /** The cache of this window's closed buckets, merged. */
  ClosedBuckets closed() {
    return closed;
  }

  /** The clock of the buckets. */
  Instant now() {
    return clock.instant();
  }

  /** Start of the bucket that holds {@code millis}. */
  static long bucketStart(long millis) {
    return Math.floorDiv(millis, RESOLUTION_MILLIS) * RESOLUTION_MILLIS;
  }

  /** Drops the buckets older than RETENTION, and the nodes left without any. */
  private void expire(long now) {
    long oldest = bucketStart(now) - RETENTION.toMillis() + RESOLUTION_MILLIS;
    versions.headMap(oldest, false).clear();
    for (Iterator<NodeSeries> it = nodes.values().iterator(); it.hasNext(); ) {
      NodeSeries series = it.next();
      series.buckets.headMap(oldest, false).clear();
      if (series.buckets.isEmpty()) {
        it.remove();
      }
    }
  }
}
