package dev.concierge.controlplane.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.StatsPoint;
import dev.concierge.api.v1.StatsRow;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.api.v1.TrafficDelta;
import dev.concierge.controlplane.MovableClock;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class StatsWindowTest {
  // On a bucket boundary, so that the test knows which bucket a delta lands in.
  private static final Instant T0 = Instant.parse("2027-01-15T08:00:00Z");

  private final MovableClock clock = new MovableClock(T0);
  private final StatsWindow window = new StatsWindow(clock);
  private long sequence;

  /** A node's histogram as the data plane encodes it: 2 digits, up to an hour, compressed V2. */
  static ByteString histogram(long micros, int count) {
    Histogram h = new Histogram(TimeUnit.HOURS.toMicros(1), 2);
    h.recordValueWithCount(micros, count);
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(buffer);
    return ByteString.copyFrom(buffer.array(), 0, length);
  }

  /** Counters of {@code requests} answers of which {@code errors} 5xx, all {@code micros} long. */
  static TrafficCounters counters(String name, int requests, int errors, long micros) {
    return TrafficCounters.newBuilder()
        .setName(name)
        .setRequests(requests)
        .setResponses2Xx(requests - errors)
        .setResponses5Xx(errors)
        .setLatencyHistogram(histogram(micros, requests))
        .setLatencyCount(requests)
        .build();
  }

  private void add(String node, TrafficCounters route) {
    window.add(node, TrafficDelta.newBuilder().setSequence(++sequence).addRoutes(route).build());
  }

  private void at(Duration sinceT0) {
    clock.set(T0.plus(sinceT0));
  }

  private Stats query(Duration span, String node, StatsLevel level) {
    Stats.Builder stats = Stats.newBuilder();
    WindowRows.fill(stats, window, span, node.isEmpty() ? null : node, level);
    return stats.build();
  }

  private static StatsRow row(List<StatsRow> rows, String name, String node) {
    return rows.stream()
        .filter(r -> r.getName().equals(name) && r.getNode().equals(node))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no row " + name + " " + node + " in " + rows));
  }

  @Test
  void sumsTheFleetAndEachNodeWithMergedPercentiles() {
    at(Duration.ofSeconds(2));
    add("a", counters("routes/web", 90, 0, 1_000));
    add("b", counters("routes/web", 10, 10, 100_000));
    at(Duration.ofSeconds(12));
    add("a", counters("routes/web", 100, 0, 1_000));

    at(Duration.ofSeconds(19)); // two buckets: [0 s, 10 s) and [10 s, 20 s), still filling
    Stats stats = query(Duration.ofSeconds(20), "", StatsLevel.STATS_LEVEL_UNSPECIFIED);

    StatsRow fleet = row(stats.getRouteRowsList(), "routes/web", "");
    assertThat(fleet.getRequests()).isEqualTo(200);
    assertThat(fleet.getResponses5Xx()).isEqualTo(10);
    assertThat(fleet.getErrorRate()).isCloseTo(0.05, within(1e-9));
    assertThat(fleet.getRequestsPerSecond()).isCloseTo(200 / 19.0, within(1e-9)); // 19 s elapsed
    assertThat(fleet.getLatencyP50Us()).isCloseTo(1_000L, within(10L));
    assertThat(fleet.getLatencyP99Us()).isCloseTo(100_000L, within(1_000L)); // b's share is 5 %
    assertThat(fleet.getLatencyP95Us()).isCloseTo(1_000L, within(10L));
    assertThat(fleet.getLatencyMaxUs()).isCloseTo(100_000L, within(1_000L));
    assertThat(row(stats.getRouteRowsList(), "routes/web", "nodes/a").getRequests()).isEqualTo(190);
    StatsRow b = row(stats.getRouteRowsList(), "routes/web", "nodes/b");
    assertThat(b.getRequests()).isEqualTo(10);
    assertThat(b.getErrorRate()).isEqualTo(1.0);
    assertThat(stats.getNodeRowsList())
        .extracting(StatsRow::getName, StatsRow::getRequests)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("nodes/a", 190L),
            org.assertj.core.groups.Tuple.tuple("nodes/b", 10L));
    assertThat(stats.getWindowStart().getSeconds()).isEqualTo(T0.getEpochSecond());
    assertThat(stats.getResolution().getSeconds()).isEqualTo(10);
  }

  @Test
  void givesOnePointPerBucketForCharts() {
    at(Duration.ofSeconds(5));
    add("a", counters("routes/web", 50, 5, 2_000));
    at(Duration.ofSeconds(25)); // bucket 2; bucket 1 stays empty
    add("a", counters("routes/web", 10, 0, 4_000));

    at(Duration.ofSeconds(29));
    List<StatsPoint> points =
        row(
                query(Duration.ofSeconds(30), "", StatsLevel.STATS_LEVEL_ROUTES).getRouteRowsList(),
                "routes/web",
                "")
            .getPointsList();

    assertThat(points).hasSize(3);
    assertThat(points)
        .extracting(p -> p.getStart().getSeconds() - T0.getEpochSecond())
        .containsExactly(0L, 10L, 20L);
    assertThat(points).extracting(StatsPoint::getRequests).containsExactly(50L, 0L, 10L);
    assertThat(points.get(0).getRequestsPerSecond()).isCloseTo(5.0, within(1e-9));
    assertThat(points.get(0).getErrorRate()).isCloseTo(0.1, within(1e-9));
    assertThat(points.get(1).getLatencyP99Us()).isZero();
    // The newest bucket is 9 s old: its rate is over those 9 s.
    assertThat(points.get(2).getRequestsPerSecond()).isCloseTo(10 / 9.0, within(1e-9));
    assertThat(points.get(2).getLatencyP99Us()).isCloseTo(4_000L, within(40L));
  }

  @Test
  void aReportInTheSameBucketAddsToIt() {
    at(Duration.ofSeconds(1));
    add("a", counters("routes/web", 3, 0, 1_000));
    at(Duration.ofSeconds(6));
    add("a", counters("routes/web", 1, 0, 9_000));

    Stats stats = query(Duration.ofSeconds(10), "", StatsLevel.STATS_LEVEL_ROUTES);

    StatsRow fleet = row(stats.getRouteRowsList(), "routes/web", "");
    assertThat(fleet.getPointsList()).hasSize(1);
    assertThat(fleet.getRequests()).isEqualTo(4);
    assertThat(fleet.getLatencyMaxUs()).isCloseTo(9_000L, within(90L));
    assertThat(fleet.getLatencyP50Us()).isCloseTo(1_000L, within(10L));
  }

  @Test
  void bucketsOutsideTheWindowAreNotCountedAndOldOnesAreDropped() {
    at(Duration.ofSeconds(1));
    add("gone", counters("routes/web", 7, 0, 1_000));
    at(Duration.ofMinutes(2));
    add("a", counters("routes/web", 5, 0, 1_000));

    assertThat(
            row(
                    query(Duration.ofMinutes(1), "", StatsLevel.STATS_LEVEL_ROUTES)
                        .getRouteRowsList(),
                    "routes/web",
                    "")
                .getRequests())
        .isEqualTo(5);
    assertThat(
            row(
                    query(Duration.ofMinutes(15), "", StatsLevel.STATS_LEVEL_ROUTES)
                        .getRouteRowsList(),
                    "routes/web",
                    "")
                .getRequests())
        .isEqualTo(12);

    at(Duration.ofMinutes(15).plusSeconds(10)); // the first bucket is now 15m10s old
    Stats later = query(Duration.ofMinutes(15), "", StatsLevel.STATS_LEVEL_NODES);
    assertThat(later.getNodeRowsList()).extracting(StatsRow::getName).containsExactly("nodes/a");
    assertThat(window.since(0, "gone")).isEmpty(); // forgotten, not merely outside the window
    assertThat(window.since(0, "a")).hasSize(1);

    at(Duration.ofMinutes(17).plusSeconds(10));
    assertThat(window.since(0, null)).isEmpty();
  }

  @Test
  void aNodeFilterAndALevelNarrowTheAnswer() {
    at(Duration.ofSeconds(1));
    window.add(
        "a",
        TrafficDelta.newBuilder()
            .setSequence(1)
            .addRoutes(counters("routes/web", 4, 0, 1_000))
            .addClusters(counters("clusters/app", 4, 0, 900))
            .addEndpoints(
                counters("clusters/app", 4, 0, 800).toBuilder()
                    .setEndpoint("10.0.0.1:80")
                    .setResponses2Xx(0)
                    .setUpstreamFailures(1))
            .setUnrouted(counters("", 2, 0, 10))
            .build());
    add("b", counters("routes/web", 6, 0, 1_000));

    Stats onlyA = query(Duration.ofMinutes(1), "a", StatsLevel.STATS_LEVEL_UNSPECIFIED);
    assertThat(row(onlyA.getRouteRowsList(), "routes/web", "").getRequests()).isEqualTo(4);
    assertThat(onlyA.getNodeRowsList())
        .singleElement()
        .satisfies(n -> assertThat(n.getRequests()).isEqualTo(6)); // routed and unrouted
    assertThat(onlyA.getUnroutedRow().getRequests()).isEqualTo(2);
    StatsRow endpoint = row(onlyA.getEndpointRowsList(), "clusters/app", "");
    assertThat(endpoint.getEndpoint()).isEqualTo("10.0.0.1:80");
    assertThat(endpoint.getErrorRate()).isCloseTo(0.25, within(1e-9)); // failed tries
    assertThat(row(onlyA.getClusterRowsList(), "clusters/app", "nodes/a").getRequests())
        .isEqualTo(4);

    Stats clusters = query(Duration.ofMinutes(1), "", StatsLevel.STATS_LEVEL_CLUSTERS);
    assertThat(clusters.getRouteRowsList()).isEmpty();
    assertThat(clusters.getNodeRowsList()).isEmpty();
    assertThat(clusters.hasUnroutedRow()).isFalse();
    assertThat(clusters.getClusterRowsList())
        .extracting(StatsRow::getNode)
        .containsExactly("", "nodes/a");
  }

  @Test
  void countsLostReportsFromSequenceGaps() {
    window.add("a", TrafficDelta.newBuilder().setSequence(1).build());
    window.add("a", TrafficDelta.newBuilder().setSequence(4).build());
    window.add("a", TrafficDelta.newBuilder().setSequence(1).build()); // the node restarted

    assertThat(window.lostReports()).isEqualTo(2);
  }
}
