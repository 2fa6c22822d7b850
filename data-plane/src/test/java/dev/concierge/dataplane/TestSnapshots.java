package dev.concierge.dataplane;

import com.google.protobuf.Duration;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import java.util.List;

/** Small builders for snapshots in tests. */
public final class TestSnapshots {
  private TestSnapshots() {}

  public static Cluster cluster(String id, int... ports) {
    Cluster.Builder b = Cluster.newBuilder().setName("clusters/" + id);
    for (int port : ports) {
      b.addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(port));
    }
    return b.build();
  }

  public static Route route(String id, List<String> hosts, String prefix, String... clusterIds) {
    RouteMatch.Builder match = RouteMatch.newBuilder().addAllHosts(hosts);
    if (prefix != null) {
      match.setPathPrefix(prefix);
    }
    ForwardAction.Builder forward = ForwardAction.newBuilder();
    for (String c : clusterIds) {
      forward.addClusters(WeightedCluster.newBuilder().setCluster("clusters/" + c));
    }
    return Route.newBuilder().setName("routes/" + id).setMatch(match).setForward(forward).build();
  }

  public static Route withTimeout(Route route, long millis) {
    return route.toBuilder()
        .setForward(
            route.getForward().toBuilder()
                .setTimeout(
                    Duration.newBuilder()
                        .setSeconds(millis / 1000)
                        .setNanos((int) (millis % 1000) * 1_000_000)))
        .build();
  }

  public static ConfigSnapshot snapshot(long revision, List<Cluster> clusters, List<Route> routes) {
    return ConfigSnapshot.newBuilder()
        .setRevision(revision)
        .addAllClusters(clusters)
        .addAllRoutes(routes)
        .build();
  }

  /** {@code route} naming {@code policies/{id}} for each of {@code policyIds}. */
  public static Route named(Route route, String... policyIds) {
    Route.Builder b = route.toBuilder();
    for (String p : policyIds) {
      b.addPolicies("policies/" + p);
    }
    return b.build();
  }

  /** Revision 1 with cluster {@code web} on port 8081, {@code routes} and {@code policies}. */
  public static ConfigSnapshot withPolicies(List<Route> routes, Policy... policies) {
    return snapshot(1, List.of(cluster("web", 8081)), routes).toBuilder()
        .addAllPolicies(List.of(policies))
        .build();
  }
}
