package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.NodeReportingGrpc;
import dev.concierge.api.v1.ReportSummary;
import dev.concierge.api.v1.Stats;
import dev.concierge.controlplane.auth.NodeCaller;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeReporting: keeps each node's latest report in memory, sums them into Stats and puts their
 * endpoint-health lists together per cluster; adds the reports' deltas into the rolling {@link
 * StatsWindow}. Thread-safe.
 */
public final class NodeReportingService extends NodeReportingGrpc.NodeReportingImplBase {
  private static final Logger log = LoggerFactory.getLogger(NodeReportingService.class);

  private final Map<String, FleetHealth.Received> latest = new ConcurrentHashMap<>();
  private final Set<OpenReport> streams = ConcurrentHashMap.newKeySet();
  private final NodeRegistry registry;
  private final Clock clock;
  private final StatsWindow window;
  private final LongAdder reports = new LongAdder();
  private final LongAdder rejected = new LongAdder();

  public NodeReportingService(NodeRegistry registry, Clock clock) {
    this.registry = requireNonNull(registry, "registry");
    this.clock = requireNonNull(clock, "clock");
    this.window = new StatsWindow(clock);
  }

  /** What the reports came to since start: received, lost on the way, rejected. */
  public ReportCounts reportCounts() {
    return new ReportCounts(reports.sum(), window.lostReports(), rejected.sum());
  }

  @Override
  public StreamObserver<NodeReport> report(StreamObserver<ReportSummary> responseObserver) {
    String certified = NodeCaller.current();
    if (certified == null) {
      responseObserver.onError(
          Status.UNAUTHENTICATED
              .withDescription("a node client certificate is required")
              .asRuntimeException());
      return new StreamObserver<>() {
        @Override
        public void onNext(NodeReport value) {}

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      };
    }
    OpenReport open = new OpenReport(certified, responseObserver);
    streams.add(open);
    if (responseObserver instanceof ServerCallStreamObserver<ReportSummary> call) {
      call.setOnCancelHandler(() -> streams.remove(open));
    }
    return new StreamObserver<>() {
      private long received;

      @Override
      public void onNext(NodeReport report) {
        received++;
        if (report.getNodeId().isEmpty()) {
          rejected.increment();
          return;
        }
        if (!report.getNodeId().equals(certified)) {
          rejected.increment();
          open.end(
              Status.PERMISSION_DENIED.withDescription(
                  "node_id \""
                      + report.getNodeId()
                      + "\" is not the id of the client certificate (\""
                      + certified
                      + "\")"));
          return;
        }
        reports.increment();
        if (report.hasDelta()) {
          window.add(report.getNodeId(), report.getDelta());
        }
        // Counters are cumulative per node process, so the latest report replaces the earlier ones.
        // The delta is in the window: the latest report is kept without it.
        latest.put(
            report.getNodeId(),
            new FleetHealth.Received(report.toBuilder().clearDelta().build(), clock.instant()));
        registry.seen(report.getNodeId());
      }

      @Override
      public void onError(Throwable t) {
        streams.remove(open);
        log.debug("report stream ended: {}", t.toString());
      }

      @Override
      public void onCompleted() {
        if (open.finish()) {
          responseObserver.onNext(ReportSummary.newBuilder().setReportsReceived(received).build());
          responseObserver.onCompleted();
        }
      }
    };
  }

  /** Ends the report streams of this node with PERMISSION_DENIED, e.g. when it is revoked. */
  public void disconnect(String nodeId, String reason) {
    for (OpenReport open : List.copyOf(streams)) {
      if (open.nodeId.equals(nodeId)) {
        open.end(Status.PERMISSION_DENIED.withDescription(reason));
      }
    }
  }

  /** One open report stream; ended once, by the node or by us. */
  private final class OpenReport {
    private final String nodeId;
    private final StreamObserver<ReportSummary> out;
    private boolean done;

    OpenReport(String nodeId, StreamObserver<ReportSummary> out) {
      this.nodeId = nodeId;
      this.out = out;
    }

    /** Whether the caller may end the stream now (it was still open). */
    synchronized boolean finish() {
      streams.remove(this);
      if (done) {
        return false;
      }
      done = true;
      return true;
    }

    void end(Status status) {
      if (finish()) {
        try {
          out.onError(status.asRuntimeException());
        } catch (RuntimeException e) {
          log.debug("report stream already gone: {}", e.toString());
        }
      }
    }
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
   * The lifetime sums of {@link #stats()} and the window's rows for the request.
   *
   * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT for a window not in (0, 15 min]
   */
  public Stats stats(GetStatsRequest request) {
    Duration span = StatsWindow.DEFAULT_WINDOW;
    if (request.hasWindow()) {
      span = ProtoTime.duration(request.getWindow());
      if (span.isNegative() || span.isZero() || span.compareTo(StatsWindow.MAX_WINDOW) > 0) {
        throw Status.INVALID_ARGUMENT
            .withDescription(
                "window must be more than 0s and at most 15m, not " + span.toMillis() + "ms")
            .asRuntimeException();
      }
    }
    String node = request.getNode();
    if (node.startsWith("nodes/")) {
      node = node.substring("nodes/".length());
    }
    Stats.Builder stats = stats().toBuilder();
    window.fill(stats, span, node.isEmpty() ? null : node, request.getLevel());
    return stats.build();
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
