package dev.concierge.controlplane.fleet;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.EndpointFleetHealth;
import dev.concierge.api.v1.EndpointHealth;
import dev.concierge.api.v1.NodeHealthView;
import dev.concierge.api.v1.NodeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Puts the nodes' latest endpoint-health lists together into one cluster's fleet view: per
 * endpoint, each node's state and since when, with nodes that stopped reporting marked stale.
 */
final class FleetHealth {
  /** A node is stale after this many of its report intervals without a report. */
  static final int STALE_AFTER_INTERVALS = 3;

  /** The interval assumed for a node that does not say its own (older nodes). */
  static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  private FleetHealth() {}

  /** One node's latest report and when this control plane got it. */
  record Received(NodeReport report, Instant at) {
    /** Whether the node has been silent for {@value #STALE_AFTER_INTERVALS} report intervals. */
    boolean staleAt(Instant now) {
      Duration interval =
          report.hasReportInterval()
              ? ProtoTime.duration(report.getReportInterval())
              : DEFAULT_INTERVAL;
      if (interval.isZero() || interval.isNegative()) {
        interval = DEFAULT_INTERVAL;
      }
      return Duration.between(at, now).compareTo(interval.multipliedBy(STALE_AFTER_INTERVALS)) > 0;
    }
  }

  /** The address form nodes report: lower case, IPv6 literals in brackets. */
  static String address(String host, int port) {
    String uriHost = host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    return uriHost.toLowerCase(Locale.ROOT) + ":" + port;
  }

  /**
   * The view of cluster {@code name} with endpoints {@code addresses} (in the cluster's order) from
   * the reports, nodes in name order.
   */
  static ClusterHealth of(
      String name, List<String> addresses, Collection<Received> reports, Instant now) {
    Map<String, EndpointFleetHealth.Builder> byAddress = new LinkedHashMap<>();
    for (String address : addresses) {
      byAddress.putIfAbsent(address, EndpointFleetHealth.newBuilder().setAddress(address));
    }
    List<Received> ordered =
        reports.stream()
            .sorted((a, b) -> a.report().getNodeId().compareTo(b.report().getNodeId()))
            .toList();
    for (Received received : ordered) {
      boolean stale = received.staleAt(now);
      for (EndpointHealth health : received.report().getEndpointHealthList()) {
        if (!health.getCluster().equals(name)) {
          continue;
        }
        EndpointFleetHealth.Builder endpoint = byAddress.get(health.getAddress());
        if (endpoint == null) {
          continue; // a node on an older config: the endpoint has left the cluster
        }
        endpoint.addViews(
            NodeHealthView.newBuilder()
                .setNode("nodes/" + received.report().getNodeId())
                .setState(health.getState())
                .setSince(health.getSince())
                .setReportTime(received.report().getTime())
                .setStale(stale));
      }
    }
    ClusterHealth.Builder result =
        ClusterHealth.newBuilder().setName(name).setTime(ProtoTime.timestamp(now));
    byAddress.values().forEach(result::addEndpoints);
    return result.build();
  }
}
