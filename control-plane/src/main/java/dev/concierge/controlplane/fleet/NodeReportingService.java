package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.NodeReportingGrpc;
import dev.concierge.api.v1.ReportSummary;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.TrafficCounters;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeReporting: keeps each node's latest report in memory and sums them into Stats. Thread-safe.
 */
public final class NodeReportingService extends NodeReportingGrpc.NodeReportingImplBase {
  private static final Logger log = LoggerFactory.getLogger(NodeReportingService.class);

  private final Map<String, NodeReport> latest = new ConcurrentHashMap<>();
  private final NodeRegistry registry;
  private final Clock clock;

  public NodeReportingService(NodeRegistry registry, Clock clock) {
    this.registry = requireNonNull(registry, "registry");
    this.clock = requireNonNull(clock, "clock");
  }

  @Override
  public StreamObserver<NodeReport> report(StreamObserver<ReportSummary> responseObserver) {
    return new StreamObserver<>() {
      private long received;

      @Override
      public void onNext(NodeReport report) {
        received++;
        if (report.getNodeId().isEmpty()) {
          return;
        }
        // Counters are cumulative per node process, so the latest report replaces the earlier ones.
        latest.put(report.getNodeId(), report);
        registry.seen(report.getNodeId());
      }

      @Override
      public void onError(Throwable t) {
        log.debug("report stream ended: {}", t.toString());
      }

      @Override
      public void onCompleted() {
        responseObserver.onNext(ReportSummary.newBuilder().setReportsReceived(received).build());
        responseObserver.onCompleted();
      }
    };
  }

  /** The latest report of every node, summed by route and by cluster name. */
  public Stats stats() {
    Map<String, TrafficCounters.Builder> routes = new TreeMap<>();
    Map<String, TrafficCounters.Builder> clusters = new TreeMap<>();
    int nodes = 0;
    for (NodeReport report : latest.values()) {
      nodes++;
      add(routes, report.getRoutesList());
      add(clusters, report.getClustersList());
    }
    Instant now = clock.instant();
    Stats.Builder stats =
        Stats.newBuilder()
            .setTime(
                Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .setNodes(nodes);
    routes.values().forEach(stats::addRoutes);
    clusters.values().forEach(stats::addClusters);
    return stats.build();
  }

  private static void add(
      Map<String, TrafficCounters.Builder> sums, List<TrafficCounters> counters) {
    for (TrafficCounters c : counters) {
      TrafficCounters.Builder sum =
          sums.computeIfAbsent(c.getName(), n -> TrafficCounters.newBuilder().setName(n));
      sum.setRequests(sum.getRequests() + c.getRequests())
          .setResponses2Xx(sum.getResponses2Xx() + c.getResponses2Xx())
          .setResponses3Xx(sum.getResponses3Xx() + c.getResponses3Xx())
          .setResponses4Xx(sum.getResponses4Xx() + c.getResponses4Xx())
          .setResponses5Xx(sum.getResponses5Xx() + c.getResponses5Xx())
          .setUpstreamFailures(sum.getUpstreamFailures() + c.getUpstreamFailures());
    }
  }
}
