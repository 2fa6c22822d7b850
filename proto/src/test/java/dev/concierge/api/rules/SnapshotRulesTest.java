package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotRulesTest {
  @Test
  void aConsistentSnapshotKeepsEveryRule() {
    assertThat(violations(snapshot(cluster("clusters/web"), route("routes/web", "clusters/web"))))
        .isEmpty();
  }

  @Test
  void namesEveryViolationByResourceAndField() {
    ConfigSnapshot snapshot =
        snapshot(cluster("clusters/web"), route("routes/a", "clusters/gone")).toBuilder()
            .addClusters(cluster("clusters/web"))
            .addClusters(cluster("web"))
            .addRoutes(route("routes/a", "clusters/web"))
            .build();

    assertThat(violations(snapshot))
        .containsExactly(
            "clusters/web.name: duplicate cluster name",
            "web.name: \"web\" must be \"clusters/{id}\" where the id " + ResourceIds.RULE,
            "routes/a.forward.clusters[0].cluster: cluster \"clusters/gone\" does not exist",
            "routes/a.name: duplicate route name");
  }

  @Test
  void unnamedResourcesAreNamedByTheirIndex() {
    ConfigSnapshot snapshot = snapshot(cluster(""), route("routes/r", "clusters/web"));

    assertThat(violations(snapshot))
        .contains("clusters[0].name: a name (\"clusters/{id}\") is required");
  }

  @Test
  void aClusterOfWeightZeroStaysOnTheRouteButOneMustTakeTraffic() {
    Route blueGreen =
        route("routes/web", "clusters/blue").toBuilder()
            .setForward(
                ForwardAction.newBuilder()
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/blue"))
                    .addClusters(
                        WeightedCluster.newBuilder().setCluster("clusters/green").setWeight(0)))
            .build();
    ConfigSnapshot snapshot =
        snapshot(cluster("clusters/blue"), blueGreen).toBuilder()
            .addClusters(cluster("clusters/green"))
            .build();
    assertThat(violations(snapshot)).isEmpty();
    assertThat(StickinessRules.weight(blueGreen.getForward().getClusters(0))).isEqualTo(1);
    assertThat(StickinessRules.weight(blueGreen.getForward().getClusters(1))).isZero();

    Route allIdle =
        blueGreen.toBuilder()
            .setForward(
                blueGreen.getForward().toBuilder()
                    .setClusters(0, blueGreen.getForward().getClusters(0).toBuilder().setWeight(0)))
            .build();
    assertThat(violations(snapshot.toBuilder().setRoutes(0, allIdle).build()))
        .containsExactly(
            "routes/web.forward.clusters: every cluster has weight 0: at least one must be above 0"
                + " to take requests");
  }

  private static List<String> violations(ConfigSnapshot snapshot) {
    List<String> found = new ArrayList<>();
    SnapshotRules.check(snapshot, (field, description) -> found.add(field + ": " + description));
    return found;
  }

  private static ConfigSnapshot snapshot(Cluster cluster, Route route) {
    return ConfigSnapshot.newBuilder().setRevision(1).addClusters(cluster).addRoutes(route).build();
  }

  private static Cluster cluster(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(8080))
        .build();
  }

  private static Route route(String name, String cluster) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(RouteMatch.newBuilder().setPathPrefix("/"))
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster(cluster)))
        .build();
  }
}
