package dev.concierge.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.NodeReportingGrpc;
import dev.concierge.api.v1.ReportSummary;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatsReporterTest {
  private final List<NodeReport> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger streams = new AtomicInteger();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  private void startServer(String name, boolean failFirstStream) throws Exception {
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new NodeReportingGrpc.NodeReportingImplBase() {
                  @Override
                  public StreamObserver<NodeReport> report(StreamObserver<ReportSummary> summary) {
                    int n = streams.incrementAndGet();
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(NodeReport report) {
                        if (failFirstStream && n == 1) {
                          summary.onError(io.grpc.Status.UNAVAILABLE.asException());
                          return;
                        }
                        received.add(report);
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        summary.onNext(
                            ReportSummary.newBuilder().setReportsReceived(received.size()).build());
                        summary.onCompleted();
                      }
                    };
                  }
                })
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @Test
  void sendsCumulativeCountersEveryInterval() throws Exception {
    startServer("stats-ok", false);
    TrafficStats stats = new TrafficStats();
    for (int status : new int[] {200, 502}) {
      stats.route("routes/web").record(status, 1_500_000, 0);
      stats.cluster("clusters/web").record(status, 1_500_000, 0);
    }
    stats.route("routes/web").upstreamFailure();
    stats.cluster("clusters/web").upstreamFailure();
    stats.unrouted().record(404, 10_000, 0);
    Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    StatsReporter reporter =
        new StatsReporter(stats, "node-1", () -> channel, scheduler, Duration.ofMillis(20), clock);

    reporter.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> received.size() >= 2);
    reporter.close();

    NodeReport report = received.get(0);
    assertThat(report.getNodeId()).isEqualTo("node-1");
    assertThat(report.getStartTime().getSeconds()).isEqualTo(clock.instant().getEpochSecond());
    assertThat(report.getRoutesList())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.getName()).isEqualTo("routes/web");
              assertThat(c.getRequests()).isEqualTo(2);
              assertThat(c.getResponses2Xx()).isEqualTo(1);
              assertThat(c.getResponses5Xx()).isEqualTo(1);
              assertThat(c.getUpstreamFailures()).isEqualTo(1);
              assertThat(c.getLatencyCount()).isEqualTo(2);
              assertThat(c.getLatencyP50Us()).isBetween(1480L, 1520L);
            });
    assertThat(report.getUnrouted().getRequests()).isEqualTo(1);
    assertThat(report.getUnrouted().getResponses4Xx()).isEqualTo(1);
    assertThat(report.getClustersList())
        .extracting(c -> c.getName())
        .containsExactly("clusters/web");
    assertThat(streams.get()).isEqualTo(1);
    // The first delta has the traffic since start, the next ones none (nothing new was recorded).
    assertThat(report.getDelta().getSequence()).isEqualTo(1);
    assertThat(report.getDelta().getRoutes(0).getRequests()).isEqualTo(2);
    assertThat(report.getDelta().getUnrouted().getRequests()).isEqualTo(1);
    assertThat(received.get(1).getDelta().getSequence()).isEqualTo(2);
    assertThat(received.get(1).getDelta().getRoutesList()).isEmpty();
    assertThat(reporter.currentReport().hasDelta()).isFalse();
  }

  @Test
  void reopensTheStreamAfterAFailure() throws Exception {
    startServer("stats-flaky", true);
    StatsReporter reporter =
        new StatsReporter(
            new TrafficStats(),
            "node-1",
            () -> channel,
            scheduler,
            Duration.ofMillis(20),
            Clock.systemUTC());

    reporter.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> !received.isEmpty());
    reporter.close();

    assertThat(streams.get()).isGreaterThanOrEqualTo(2);
  }
}
