package dev.concierge.bench;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.api.v1.TrafficDelta;
import dev.concierge.controlplane.fleet.StatsWindow;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GetStats' windowed rows over the longest window (15 minutes of 10 s buckets) of a fleet of {@link
 * #NODES} nodes, each reporting every 5 s on 5 routes, 5 clusters of 2 endpoints and the unrouted
 * requests: asked again at the same instant ({@code again}), by a dashboard polling every 5 s while
 * the nodes report ({@code polling}), and by a window that has merged nothing yet ({@code cold}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class StatsWindowBenchmark {
  static final int NODES = 3;
  private static final int ROUTES = 5;
  private static final int CLUSTERS = 5;
  private static final int ENDPOINTS = 2;
  private static final Instant T0 = Instant.parse("2027-01-15T08:00:00Z");

  private final SettableClock clock = new SettableClock();
  private StatsWindow window;
  private long step;

  /** A window filled with 15 minutes 10 s of reports, asked once so that its buckets are merged. */
  @Setup(Level.Trial)
  public void fill() {
    window = filled(clock);
    step = 2 * 91;
    query(window);
  }

  /** A new window and clock filled with every report of the first 15 minutes 10 s. */
  static StatsWindow filled(SettableClock clock) {
    StatsWindow w = new StatsWindow(clock);
    for (long s = 0; s < 2 * 91; s++) {
      report(w, clock, s);
    }
    clock.at = T0.plusSeconds(5 * (2 * 91 - 1) + 3);
    return w;
  }

  private static void report(StatsWindow w, SettableClock clock, long s) {
    clock.at = T0.plusSeconds(5 * s + 1);
    for (int n = 0; n < NODES; n++) {
      w.add("node-" + n, delta(s + 1, (int) s + n));
    }
  }

  @Benchmark
  public Stats again() {
    return query(window);
  }

  @Benchmark
  public Stats polling() {
    report(window, clock, step++);
    clock.at = clock.at.plusSeconds(2);
    return query(window);
  }

  /** Per invocation: a new window (filled outside the measurement), asked once. */
  @State(Scope.Thread)
  public static class Fresh {
    final SettableClock clock = new SettableClock();
    StatsWindow window;

    @Setup(Level.Invocation)
    public void fill() {
      window = filled(clock);
    }
  }

  @Benchmark
  public Stats cold(Fresh fresh) {
    return query(fresh.window);
  }

  private static Stats query(StatsWindow w) {
    Stats.Builder stats = Stats.newBuilder();
    w.fill(stats, StatsWindow.MAX_WINDOW, null, StatsLevel.STATS_LEVEL_UNSPECIFIED);
    return stats.build();
  }

  private static TrafficDelta delta(long sequence, int salt) {
    TrafficDelta.Builder d = TrafficDelta.newBuilder().setSequence(sequence);
    for (int r = 0; r < ROUTES; r++) {
      d.addRoutes(
          counters("routes/r" + r, 50 + (salt + r) % 17, 800 + 97L * ((salt * 7 + r) % 50)));
    }
    for (int c = 0; c < CLUSTERS; c++) {
      d.addClusters(counters("clusters/c" + c, 50 + (salt + c) % 13, 700 + 91L * (salt % 40)));
      for (int e = 0; e < ENDPOINTS; e++) {
        d.addEndpoints(
            counters("clusters/c" + c, 25 + (salt + e) % 7, 600 + 83L * (salt % 30)).toBuilder()
                .setEndpoint("10.0." + c + "." + e + ":80"));
      }
    }
    return d.setUnrouted(counters("", 3, 40)).build();
  }

  /**
   * Requests all answered 2xx, spread from {@code micros} to twice that, as a node encodes them.
   */
  private static TrafficCounters counters(String name, int requests, long micros) {
    Histogram h = new Histogram(TimeUnit.HOURS.toMicros(1), 2);
    for (int i = 0; i < requests; i++) {
      h.recordValue(micros + micros * i / requests);
    }
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(buffer);
    return TrafficCounters.newBuilder()
        .setName(name)
        .setRequests(requests)
        .setResponses2Xx(requests)
        .setLatencyHistogram(ByteString.copyFrom(buffer.array(), 0, length))
        .setLatencyCount(requests)
        .build();
  }

  /** A clock the benchmark moves. */
  static final class SettableClock extends Clock {
    Instant at = T0;

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return at;
    }
  }

  /** For a quick look without JMH: prints the answer's size and rows. */
  public static void main(String[] args) {
    StatsWindow w = filled(new SettableClock());
    Stats stats = query(w);
    System.out.printf(
        "%d route, %d cluster, %d endpoint, %d node rows; %d bytes%n",
        stats.getRouteRowsCount(),
        stats.getClusterRowsCount(),
        stats.getEndpointRowsCount(),
        stats.getNodeRowsCount(),
        stats.getSerializedSize());
  }
}
