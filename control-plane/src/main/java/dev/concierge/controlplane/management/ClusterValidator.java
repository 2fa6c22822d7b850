package dev.concierge.controlplane.management;

import dev.concierge.api.rules.ClusterRules;
import dev.concierge.api.v1.Cluster;

/** Checks a cluster of a write by the rules every node applies ({@link ClusterRules}). */
public final class ClusterValidator {
  private ClusterValidator() {}

  /** Records the cluster's violations under the prefix (e.g. "cluster"). */
  public static void validate(Cluster cluster, String prefix, FieldViolations violations) {
    ClusterRules.check(cluster, prefix, violations::add);
  }
}
