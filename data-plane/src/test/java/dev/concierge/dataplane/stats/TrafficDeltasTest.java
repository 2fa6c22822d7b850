package dev.concierge.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.api.v1.TrafficDelta;
import java.time.Instant;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class TrafficDeltasTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private final TrafficStats stats = new TrafficStats();
  private final TrafficDeltas deltas = new TrafficDeltas(T0);

  private TrafficDeltas.Pending next(int seconds) {
    return deltas.next(
        stats.routeCounters(),
        stats.clusterCounters(),
        stats.unroutedCounters(),
        List.of(),
        T0.plusSeconds(seconds));
  }

  private static Histogram latency(TrafficCounters c) throws Exception {
    return Histogram.decodeFromCompressedByteBuffer(
        c.getLatencyHistogram().asReadOnlyByteBuffer(), 0);
  }

  @Test
  void eachDeltaHoldsOnlyTheTrafficOfItsInterval() throws Exception {
    TrafficMeter web = stats.route("routes/web");
    web.record(200, 1_000_000, 0); // 1 ms
    web.record(503, 2_000_000, 0);
    TrafficDeltas.Pending first = next(5);
    deltas.commit(first);
    for (int i = 0; i < 3; i++) {
      web.record(200, 50_000_000, 1); // 50 ms
    }
    TrafficDelta second = next(10).delta();

    assertThat(first.delta().getSequence()).isEqualTo(1);
    assertThat(first.delta().getStart().getSeconds()).isEqualTo(T0.getEpochSecond());
    assertThat(first.delta().getRoutes(0).getRequests()).isEqualTo(2);
    assertThat(first.delta().getRoutes(0).getResponses5Xx()).isEqualTo(1);
    assertThat(second.getSequence()).isEqualTo(2);
    assertThat(second.getStart()).isEqualTo(first.delta().getEnd());
    TrafficCounters row = second.getRoutes(0);
    assertThat(row.getName()).isEqualTo("routes/web");
    assertThat(row.getRequests()).isEqualTo(3);
    assertThat(row.getResponses2Xx()).isEqualTo(3);
    assertThat(row.getResponses5Xx()).isZero();
    assertThat(row.getRetries()).isEqualTo(3);
    Histogram h = latency(row);
    assertThat(h.getTotalCount()).isEqualTo(3);
    assertThat(h.getMinValue()).isBetween(49_000L, 51_000L); // the 1-2 ms samples are not in it
    assertThat(row.getLatencyP99Us()).isBetween(49_000L, 51_000L);
  }

  @Test
  void rowsWithoutTrafficAreLeftOut() {
    stats.route("routes/idle");
    stats.route("routes/busy").record(200, 1_000_000, 0);
    deltas.commit(next(5));

    TrafficDelta quiet = next(10).delta();

    assertThat(quiet.getRoutesList()).isEmpty();
    assertThat(quiet.hasUnrouted()).isFalse();
  }

  @Test
  void aDeltaNotCommittedIsFoldedIntoTheNext() {
    stats.unrouted().record(404, 1_000_000, 0);
    TrafficDeltas.Pending lost = next(5); // never handed to a stream
    stats.unrouted().record(404, 1_000_000, 0);

    TrafficDelta next = next(10).delta();

    assertThat(lost.delta().getUnrouted().getRequests()).isEqualTo(1);
    assertThat(next.getSequence()).isEqualTo(1);
    assertThat(next.getStart().getSeconds()).isEqualTo(T0.getEpochSecond());
    assertThat(next.getUnrouted().getRequests()).isEqualTo(2);
    assertThat(next.getUnrouted().getLatencyCount()).isEqualTo(2);
  }

  @Test
  void aMeterMadeAgainStartsFromZero() {
    stats.route("routes/web").record(200, 1_000_000, 0);
    stats.route("routes/web").record(200, 1_000_000, 0);
    deltas.commit(next(5));
    stats.retain(java.util.Set.of(), java.util.Set.of()); // the route went away ...
    stats.route("routes/web").record(200, 3_000_000, 0); // ... and came back

    TrafficCounters row = next(10).delta().getRoutes(0);

    assertThat(row.getRequests()).isEqualTo(1);
    assertThat(row.getLatencyCount()).isEqualTo(1);
    assertThat(row.getLatencyP50Us()).isBetween(2_900L, 3_100L);
  }

  @Test
  void endpointRowsOfOneClusterAreToldApartByTheirAddress() {
    TrafficCounters a1 =
        TrafficCounters.newBuilder()
            .setName("clusters/app")
            .setEndpoint("10.0.0.1:80")
            .setRequests(3)
            .setConnectFailures(1)
            .setUpstreamFailures(1)
            .build();
    TrafficCounters b1 =
        TrafficCounters.newBuilder()
            .setName("clusters/app")
            .setEndpoint("10.0.0.2:80")
            .setRequests(5)
            .build();
    TrafficDeltas.Pending first =
        deltas.next(
            List.of(),
            List.of(),
            TrafficCounters.getDefaultInstance(),
            List.of(a1, b1),
            T0.plusSeconds(5));
    deltas.commit(first);
    TrafficCounters a2 = a1.toBuilder().setRequests(4).build();

    TrafficDelta second =
        deltas
            .next(
                List.of(),
                List.of(),
                TrafficCounters.getDefaultInstance(),
                List.of(a2, b1),
                T0.plusSeconds(10))
            .delta();

    assertThat(first.delta().getEndpointsList())
        .extracting(TrafficCounters::getRequests)
        .containsExactly(3L, 5L);
    assertThat(first.delta().getEndpoints(0).getConnectFailures()).isEqualTo(1);
    assertThat(second.getEndpointsList())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getEndpoint()).isEqualTo("10.0.0.1:80");
              assertThat(e.getRequests()).isEqualTo(1);
              assertThat(e.getConnectFailures()).isZero();
            });
  }
}
