package dev.concierge.controlplane.fleet;

import static dev.concierge.controlplane.fleet.StatsWindowTest.counters;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.StatsRow;
import dev.concierge.api.v1.TrafficDelta;
import dev.concierge.controlplane.MovableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cache of a window's merged buckets answers exactly what merging everything afresh answers:
 * each query is compared with a new window fed the same reports (which has no cache yet), while the
 * cached one moves its sums on bucket by bucket.
 */
class ClosedBucketsTest {
  private static final Instant T0 = Instant.parse("2027-01-15T08:00:00Z");
  private static final Duration LONGEST = StatsWindow.MAX_WINDOW;

  private final MovableClock clock = new MovableClock(T0);
  private final StatsWindow window = new StatsWindow(clock);
  private final List<Sent> sent = new ArrayList<>();
  private final Map<String, Long> sequences = new HashMap<>();

  /** A delta as the window got it, to feed a fresh window the same. */
  private record Sent(Instant at, String node, TrafficDelta delta) {}

  private void at(Duration sinceT0) {
    clock.set(T0.plus(sinceT0));
  }

  private void report(String node, int requests, int errors, long micros) {
    TrafficDelta delta =
        TrafficDelta.newBuilder()
            .setSequence(sequences.merge(node, 1L, Long::sum))
            .addRoutes(counters("routes/web", requests, errors, micros))
            .addClusters(counters("clusters/app", requests, errors, micros / 2))
            .addEndpoints(
                counters("clusters/app", requests, 0, micros / 3).toBuilder()
                    .setEndpoint("10.0.0." + (node.hashCode() & 7) + ":80"))
            .setUnrouted(counters("", 1, 0, 50))
            .build();
    sent.add(new Sent(clock.instant(), node, delta));
    window.add(node, delta);
  }

  private static Stats query(StatsWindow w, Duration span, String node, StatsLevel level) {
    Stats.Builder stats = Stats.newBuilder();
    WindowRows.fill(stats, w, span, node.isEmpty() ? null : node, level);
    return stats.build();
  }

  /** The same query on a new window fed every report so far at its time. */
  private Stats afresh(Duration span, String node, StatsLevel level) {
    MovableClock replay = new MovableClock(T0);
    StatsWindow fresh = new StatsWindow(replay);
    for (Sent s : sent) {
      replay.set(s.at());
      fresh.add(s.node(), s.delta());
    }
    replay.set(clock.instant());
    return query(fresh, span, node, level);
  }

  /** Every window length, node filter and level this test asks, against the fresh answer. */
  private void assertSameAsAfresh() {
    for (Duration span : List.of(Duration.ofMinutes(1), LONGEST)) {
      for (String node : List.of("", "a", "b")) {
        for (StatsLevel level :
            List.of(StatsLevel.STATS_LEVEL_UNSPECIFIED, StatsLevel.STATS_LEVEL_NODES)) {
          assertThat(query(window, span, node, level))
              .as("%s of node \"%s\" at %s, %s", span, node, clock.instant(), level)
              .isEqualTo(afresh(span, node, level));
        }
      }
    }
  }

  private static long requests(Stats stats, String name, String node) {
    return stats.getRouteRowsList().stream()
        .filter(r -> r.getName().equals(name) && r.getNode().equals(node))
        .mapToLong(StatsRow::getRequests)
        .sum();
  }

  @Test
  void mergesAClosedBucketOnceHoweverOftenItIsAsked() {
    for (int i = 0; i < 30; i++) {
      at(Duration.ofSeconds(10L * i + 1));
      report("a", 10, 1, 1_000 + i);
    }
    query(window, LONGEST, "", StatsLevel.STATS_LEVEL_UNSPECIFIED);
    long merged = window.closed().merges();

    query(window, LONGEST, "", StatsLevel.STATS_LEVEL_UNSPECIFIED);
    query(window, Duration.ofMinutes(1), "a", StatsLevel.STATS_LEVEL_ROUTES);
    assertThat(window.closed().merges()).isEqualTo(merged);

    report("a", 10, 0, 2_000); // the bucket still filling changed: it alone is merged again
    query(window, LONGEST, "", StatsLevel.STATS_LEVEL_UNSPECIFIED);
    assertThat(window.closed().merges()).isEqualTo(merged + 1);
  }

  @Test
  void aBucketThatClosesJoinsTheSumsAndTheOldestLeavesThem() {
    for (int i = 0; i < 120; i++) { // 20 minutes: the 15-minute window slides for 5
      at(Duration.ofSeconds(10L * i + 3));
      report("a", 5 + i % 7, i % 3, 500L * (1 + i % 11));
      if (i % 2 == 0) {
        report("b", 3, 1, 40_000);
      }
      at(Duration.ofSeconds(10L * i + 8));
      if (i % 10 == 0 || i > 110) {
        assertSameAsAfresh();
      } else {
        query(window, LONGEST, "", StatsLevel.STATS_LEVEL_UNSPECIFIED); // slides the sums
      }
    }
  }

  @Test
  void aLateReportIntoAClosedBucketIsCounted() {
    at(Duration.ofSeconds(5));
    report("a", 10, 0, 1_000);
    at(Duration.ofSeconds(35));
    report("a", 10, 0, 1_000);
    assertThat(
            requests(query(window, LONGEST, "", StatsLevel.STATS_LEVEL_ROUTES), "routes/web", ""))
        .isEqualTo(20);

    at(Duration.ofSeconds(6)); // the clock stepped back into a closed bucket
    report("b", 7, 7, 90_000);
    at(Duration.ofSeconds(36));

    assertThat(
            requests(query(window, LONGEST, "", StatsLevel.STATS_LEVEL_ROUTES), "routes/web", ""))
        .isEqualTo(27);
    assertSameAsAfresh();
  }

  @Test
  void aNodeWhoseBucketsExpiredLeavesTheSums() {
    at(Duration.ofSeconds(1));
    report("a", 10, 0, 1_000);
    for (int i = 0; i < 100; i++) {
      at(Duration.ofSeconds(10L * i + 2));
      report("b", 1, 0, 1_000);
      query(window, LONGEST, "", StatsLevel.STATS_LEVEL_UNSPECIFIED);
    }
    at(Duration.ofSeconds(10L * 100 + 2)); // a's only bucket is past the longest window

    Stats later = query(window, LONGEST, "", StatsLevel.STATS_LEVEL_UNSPECIFIED);

    assertThat(later.getNodeRowsList()).extracting(StatsRow::getName).containsExactly("nodes/b");
    assertThat(requests(later, "routes/web", "nodes/a")).isZero();
    assertThat(later.getRouteRowsList()).noneMatch(r -> r.getNode().equals("nodes/a"));
    assertSameAsAfresh();
  }

  @Test
  void aJumpPastTheWholeWindowStartsTheSumsAfresh() {
    at(Duration.ofSeconds(1));
    report("a", 10, 0, 1_000);
    query(window, LONGEST, "", StatsLevel.STATS_LEVEL_UNSPECIFIED);

    at(Duration.ofMinutes(40));
    report("b", 4, 0, 1_000);

    assertThat(
            requests(query(window, LONGEST, "", StatsLevel.STATS_LEVEL_ROUTES), "routes/web", ""))
        .isEqualTo(4);
    assertSameAsAfresh();
  }
}
