package dev.concierge.controlplane.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ClusterHealth;
import dev.concierge.api.v1.EndpointHealth;
import dev.concierge.api.v1.HealthState;
import dev.concierge.api.v1.NodeHealthView;
import dev.concierge.api.v1.NodeReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetHealthTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static FleetHealth.Received report(
      String node, Duration interval, Instant at, EndpointHealth... health) {
    return new FleetHealth.Received(
        NodeReport.newBuilder()
            .setNodeId(node)
            .setTime(ProtoTime.timestamp(at))
            .setReportInterval(ProtoTime.duration(interval))
            .addAllEndpointHealth(List.of(health))
            .build(),
        at);
  }

  private static EndpointHealth health(String cluster, String address, HealthState state) {
    return EndpointHealth.newBuilder()
        .setCluster(cluster)
        .setAddress(address)
        .setState(state)
        .setSince(ProtoTime.timestamp(T0))
        .build();
  }

  @Test
  void groupsViewsByEndpointInClusterOrderAndNodesByName() {
    ClusterHealth view =
        FleetHealth.of(
            "clusters/web",
            List.of("b:80", "a:80", "c:80"),
            List.of(
                report(
                    "node-2",
                    Duration.ofSeconds(5),
                    T0,
                    health("clusters/web", "a:80", HealthState.UNHEALTHY),
                    health("clusters/other", "b:80", HealthState.EJECTED)),
                report(
                    "node-1",
                    Duration.ofSeconds(5),
                    T0,
                    health("clusters/web", "a:80", HealthState.HEALTHY),
                    health("clusters/web", "b:80", HealthState.DRAINING),
                    health("clusters/web", "gone:80", HealthState.HEALTHY))),
            T0.plusSeconds(1));

    assertThat(view.getEndpointsList())
        .extracting(e -> e.getAddress())
        .containsExactly("b:80", "a:80", "c:80");
    assertThat(view.getEndpoints(0).getViewsList())
        .extracting(NodeHealthView::getNode, NodeHealthView::getState)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("nodes/node-1", HealthState.DRAINING));
    assertThat(view.getEndpoints(1).getViewsList())
        .extracting(NodeHealthView::getNode, NodeHealthView::getState)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("nodes/node-1", HealthState.HEALTHY),
            org.assertj.core.groups.Tuple.tuple("nodes/node-2", HealthState.UNHEALTHY));
    assertThat(view.getEndpoints(2).getViewsList()).as("no node reported c").isEmpty();
  }

  @Test
  void aNodeIsStaleAfterThreeOfItsIntervalsWithoutAReport() {
    FleetHealth.Received received = report("n", Duration.ofSeconds(2), T0);
    assertThat(received.staleAt(T0.plusSeconds(6))).isFalse();
    assertThat(received.staleAt(T0.plusMillis(6_001))).isTrue();
    FleetHealth.Received noInterval =
        new FleetHealth.Received(NodeReport.newBuilder().setNodeId("old").build(), T0);
    assertThat(noInterval.staleAt(T0.plusSeconds(15))).isFalse();
    assertThat(noInterval.staleAt(T0.plusSeconds(16))).isTrue();
  }

  @Test
  void addressesAreTheFormNodesReport() {
    assertThat(FleetHealth.address("Backend.Example", 80)).isEqualTo("backend.example:80");
    assertThat(FleetHealth.address("::1", 8080)).isEqualTo("[::1]:8080");
  }
}
