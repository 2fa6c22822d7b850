package dev.concierge.controlplane.metrics;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Node.SyncStatus;
import dev.concierge.controlplane.fleet.NodeRegistry;
import dev.concierge.controlplane.fleet.ReportCounts;
import io.grpc.ServerInterceptor;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The control plane's metrics, named as in the README: nodes by sync status, config revision,
 * pushes, ACKs, NACKs, push-to-ACK time, management calls by method and code, node reports
 * (received, lost, rejected), and the JVM's. Counts pushes and ACKs as the node registry's {@link
 * NodeRegistry.Events}. Thread-safe.
 */
public final class ControlPlaneMetrics implements NodeRegistry.Events {
  /** The sync states, as the {@code status} label spells them. */
  private static final List<SyncStatus> STATES =
      List.of(SyncStatus.SYNCED, SyncStatus.PENDING, SyncStatus.NACKED, SyncStatus.DISCONNECTED);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter pushes;
  private final Counter acks;
  private final Counter nacks;
  private final Histogram pushAck;
  private final Counter managementCalls;

  /**
   * @param nodes every node with its status (NodeRegistry.list), read at each scrape
   * @param revision the newest config revision
   * @param reports what the node reports came to so far
   */
  public ControlPlaneMetrics(
      Supplier<List<Node>> nodes, LongSupplier revision, Supplier<ReportCounts> reports) {
    requireNonNull(nodes, "nodes");
    requireNonNull(revision, "revision");
    requireNonNull(reports, "reports");
    GaugeWithCallback.builder()
        .name("concierge_cp_nodes")
        .help("Nodes known to the control plane, by sync status")
        .labelNames("status")
        .callback(
            callback -> {
              Map<SyncStatus, Integer> counts = new EnumMap<>(SyncStatus.class);
              for (Node node : nodes.get()) {
                counts.merge(node.getStatus(), 1, Integer::sum);
              }
              for (SyncStatus status : STATES) {
                callback.call(
                    counts.getOrDefault(status, 0), status.name().toLowerCase(Locale.ROOT));
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("concierge_cp_config_revision")
        .help("The newest committed config revision")
        .callback(callback -> callback.call((double) revision.getAsLong()))
        .register(registry);
    CounterWithCallback.builder()
        .name("concierge_cp_node_reports_total")
        .help("Reports received from nodes")
        .callback(callback -> callback.call((double) reports.get().received()))
        .register(registry);
    CounterWithCallback.builder()
        .name("concierge_cp_node_reports_lost_total")
        .help("Node reports that never arrived (gaps in a node's report sequence)")
        .callback(callback -> callback.call((double) reports.get().lost()))
        .register(registry);
    CounterWithCallback.builder()
        .name("concierge_cp_node_reports_rejected_total")
        .help("Node reports refused: no node id, or not the id of the client certificate")
        .callback(callback -> callback.call((double) reports.get().rejected()))
        .register(registry);
    pushes =
        Counter.builder()
            .name("concierge_cp_config_pushes_total")
            .help("Config snapshots pushed to nodes")
            .register(registry);
    acks =
        Counter.builder()
            .name("concierge_cp_config_acks_total")
            .help("Config snapshots nodes applied (ACK)")
            .register(registry);
    nacks =
        Counter.builder()
            .name("concierge_cp_config_nacks_total")
            .help("Config snapshots nodes rejected (NACK)")
            .register(registry);
    pushAck =
        Histogram.builder()
            .name("concierge_cp_push_ack_seconds")
            .help("Time from pushing a snapshot to a node to its ACK")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
            .register(registry);
    managementCalls =
        Counter.builder()
            .name("concierge_cp_management_calls_total")
            .help("Management API calls, by method and gRPC status code")
            .labelNames("method", "code")
            .register(registry);
    JvmMetrics.builder().register(registry);
  }

  /** Where the metrics are read from. */
  public PrometheusRegistry registry() {
    return registry;
  }

  /** Counts every management call by method and status code; place it outermost. */
  public ServerInterceptor managementCalls() {
    return new CallCounter((method, code) -> managementCalls.labelValues(method, code).inc());
  }

  @Override
  public void pushed() {
    pushes.inc();
  }

  @Override
  public void acked(Optional<Duration> sincePush) {
    acks.inc();
    sincePush.ifPresent(d -> pushAck.observe(d.toNanos() / 1e9));
  }

  @Override
  public void nacked() {
    nacks.inc();
  }
}
