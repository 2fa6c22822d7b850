package dev.concierge.api.rules;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.HashSet;
import java.util.Set;

/**
 * Every rule a whole snapshot must keep: valid, unique names, each cluster, route and policy by its
 * own rules, and every route's clusters and policies and every cluster's client certificate present
 * in the snapshot. A node compiles only a snapshot that passes; the control plane checks the
 * snapshot a write would produce before storing it.
 */
public final class SnapshotRules {
  private SnapshotRules() {}

  /** Tells {@code sink} every violation of {@code snapshot}, fields prefixed by resource name. */
  public static void check(ConfigSnapshot snapshot, ViolationSink sink) {
    Set<String> clusters = new HashSet<>();
    for (int i = 0; i < snapshot.getClustersCount(); i++) {
      Cluster cluster = snapshot.getClusters(i);
      String prefix = prefix(cluster.getName(), "clusters", i);
      if (name(ResourceIds.CLUSTERS, cluster.getName(), prefix, sink)
          && !clusters.add(cluster.getName())) {
        sink.add(prefix + ".name", "duplicate cluster name");
      }
      ClusterRules.check(cluster, prefix, sink);
    }
    Set<String> routes = new HashSet<>();
    for (int i = 0; i < snapshot.getRoutesCount(); i++) {
      Route route = snapshot.getRoutes(i);
      String prefix = prefix(route.getName(), "routes", i);
      if (name(ResourceIds.ROUTES, route.getName(), prefix, sink) && !routes.add(route.getName())) {
        sink.add(prefix + ".name", "duplicate route name");
      }
      RouteRules.check(route, prefix, clusters::contains, sink);
    }
    Set<String> policies = new HashSet<>();
    for (int i = 0; i < snapshot.getPoliciesCount(); i++) {
      Policy policy = snapshot.getPolicies(i);
      String prefix = prefix(policy.getName(), "policies", i);
      if (name(ResourceIds.POLICIES, policy.getName(), prefix, sink)
          && !policies.add(policy.getName())) {
        sink.add(prefix + ".name", "duplicate policy name");
      }
      PolicyRules.check(policy, prefix, sink);
    }
    UpstreamTlsRules.checkReferences(snapshot, sink);
    PolicyRules.checkReferences(snapshot, sink);
    ConsumerRules.checkSnapshot(snapshot, sink);
  }

  private static String prefix(String name, String collection, int index) {
    return name.isEmpty() ? collection + "[" + index + "]" : name;
  }

  private static boolean name(String kind, String name, String prefix, ViolationSink sink) {
    String problem = ResourceIds.nameProblem(kind, name);
    if (problem != null) {
      sink.add(prefix + ".name", problem);
    }
    return problem == null;
  }
}
