package dev.concierge.controlplane.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.TrafficCounters;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class TrafficSumsTest {
  private static final Instant NOW = Instant.parse("2027-01-15T08:00:00Z");

  /** A node's histogram as the data plane encodes it: 2 digits, up to an hour, compressed V2. */
  private static ByteString histogram(long micros, int count) {
    Histogram h = new Histogram(TimeUnit.HOURS.toMicros(1), 2);
    h.recordValueWithCount(micros, count);
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(buffer);
    return ByteString.copyFrom(buffer.array(), 0, length);
  }

  private static TrafficCounters.Builder counters(String name, long requests) {
    return TrafficCounters.newBuilder().setName(name).setRequests(requests).setRetries(1);
  }

  private static NodeReport report(String node, TrafficCounters.Builder route) {
    return NodeReport.newBuilder().setNodeId(node).addRoutes(route).build();
  }

  @Test
  void mergesLatencyHistogramsAcrossNodes() throws Exception {
    Stats stats =
        TrafficSums.stats(
            List.of(
                report("n1", counters("routes/r", 50).setLatencyHistogram(histogram(100, 50))),
                report("n2", counters("routes/r", 50).setLatencyHistogram(histogram(1000, 50)))),
            NOW);

    TrafficCounters r = stats.getRoutes(0);
    assertThat(r.getRequests()).isEqualTo(100);
    assertThat(r.getRetries()).isEqualTo(2);
    assertThat(r.getLatencyCount()).isEqualTo(100);
    assertThat(r.getLatencyP50Us()).isEqualTo(100);
    assertThat((double) r.getLatencyP99Us()).isCloseTo(1000, within(10.0));
    assertThat(r.getLatencyMaxUs()).isEqualTo(r.getLatencyP99Us());
    Histogram merged =
        Histogram.decodeFromCompressedByteBuffer(r.getLatencyHistogram().asReadOnlyByteBuffer(), 0);
    assertThat(merged.getTotalCount()).isEqualTo(100);
    assertThat(merged.getCountAtValue(100)).isEqualTo(50);
    assertThat(merged.getCountAtValue(1000)).isEqualTo(50);
  }

  @Test
  void skipsEmptyAndUnreadableHistogramsButKeepsTheirCounters() {
    Stats stats =
        TrafficSums.stats(
            List.of(
                report("n1", counters("routes/r", 10).setLatencyHistogram(histogram(200, 10))),
                report(
                    "n2",
                    counters("routes/r", 7)
                        .setLatencyHistogram(ByteString.copyFrom(new byte[] {1, 2, 3}))),
                report("n3", counters("routes/r", 5))),
            NOW);

    TrafficCounters r = stats.getRoutes(0);
    assertThat(r.getRequests()).isEqualTo(22);
    assertThat(r.getLatencyCount()).isEqualTo(10);
    assertThat(r.getLatencyP50Us()).isEqualTo(200);
    assertThat(r.getLatencyP99Us()).isEqualTo(200);

    TrafficCounters onlyBad =
        TrafficSums.stats(
                List.of(
                    report(
                        "n1",
                        counters("routes/r", 1)
                            .setLatencyHistogram(ByteString.copyFromUtf8("not a histogram")))),
                NOW)
            .getRoutes(0);
    assertThat(onlyBad.getRequests()).isEqualTo(1);
    assertThat(onlyBad.getLatencyHistogram().isEmpty()).isTrue();
    assertThat(onlyBad.getLatencyP99Us()).isZero();
  }

  @Test
  void sumsUnroutedRequestsApart() {
    NodeReport n1 =
        NodeReport.newBuilder()
            .setNodeId("n1")
            .setUnrouted(
                TrafficCounters.newBuilder()
                    .setRequests(3)
                    .setResponses4Xx(3)
                    .setLatencyHistogram(histogram(50, 3)))
            .build();
    NodeReport n2 =
        NodeReport.newBuilder()
            .setNodeId("n2")
            .setUnrouted(TrafficCounters.newBuilder().setRequests(2).setResponses5Xx(2))
            .addRoutes(counters("routes/r", 4))
            .build();

    Stats stats = TrafficSums.stats(List.of(n1, n2), NOW);

    assertThat(stats.getNodes()).isEqualTo(2);
    assertThat(stats.getTime().getSeconds()).isEqualTo(NOW.getEpochSecond());
    assertThat(stats.getRoutesList())
        .extracting(TrafficCounters::getName)
        .containsExactly("routes/r");
    TrafficCounters unrouted = stats.getUnrouted();
    assertThat(unrouted.getName()).isEmpty();
    assertThat(unrouted.getRequests()).isEqualTo(5);
    assertThat(unrouted.getResponses4Xx()).isEqualTo(3);
    assertThat(unrouted.getResponses5Xx()).isEqualTo(2);
    assertThat(unrouted.getLatencyCount()).isEqualTo(3);
    assertThat(unrouted.getLatencyMaxUs()).isEqualTo(50);

    assertThat(TrafficSums.stats(List.of(report("n1", counters("routes/r", 1))), NOW).hasUnrouted())
        .isFalse();
  }
}
