package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.NodeReportingGrpc;
import dev.concierge.api.v1.ReportSummary;
import dev.concierge.api.v1.Stats;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeReporting: keeps each node's latest report in memory, sums them into Stats and puts their
 * endpoint-health lists together per cluster. Thread-safe.
 */
public final class NodeReportingService extends NodeReportingGrpc.NodeReportingImplBase {
  private static final Logger log = LoggerFactory.getLogger(NodeReportingService.class);

  private final Map<String, FleetHealth.Received> latest = new ConcurrentHashMap<>();
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
        latest.put(report.getNodeId(), new FleetHealth.Received(report, clock.instant()));
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

  /**
   * The latest report of every node, summed by route and by cluster name, with the unrouted
   * requests and merged latency histograms.
   */
  public Stats stats() {
    return TrafficSums.stats(
        latest.values().stream().map(FleetHealth.Received::report).toList(), clock.instant());
  }

  /**
   * Cluster {@code name}'s endpoints at {@code addresses} ("host:port", the cluster's order) as
   * every reporting node sees them.
   */
  public ClusterHealth clusterHealth(String name, List<String> addresses) {
    return FleetHealth.of(name, addresses, List.copyOf(latest.values()), clock.instant());
  }

  /** The address form nodes report for an endpoint: lower case, IPv6 literals in brackets. */
  public static String address(String host, int port) {
    return FleetHealth.address(host, port);
  }

  /** {@code node} with when its last report came and whether that is too long ago. */
  public Node withReportFreshness(Node node) {
    String id = node.getName().substring(node.getName().indexOf('/') + 1);
    FleetHealth.Received received = latest.get(id);
    if (received == null) {
      return node;
    }
    return node.toBuilder()
        .setLastReport(ProtoTime.timestamp(received.at()))
        .setReportStale(received.staleAt(clock.instant()))
        .build();
  }
}
