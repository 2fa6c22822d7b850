package dev.concierge.controlplane.management;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Checks every writable field of a cluster, recording each violation with its field path. */
public final class ClusterValidator {
  static final int MAX_DESCRIPTION = 256;
  static final int MAX_WEIGHT = 1000;
  private static final long MAX_CONNECT_TIMEOUT_SECONDS = 60;

  private ClusterValidator() {}

  /** Records the cluster's violations under the prefix (e.g. "cluster"). */
  public static void validate(Cluster cluster, String prefix, FieldViolations violations) {
    if (cluster.getDescription().length() > MAX_DESCRIPTION) {
      violations.add(prefix + ".description", "must be at most " + MAX_DESCRIPTION + " characters");
    }
    if (cluster.getEndpointsCount() == 0) {
      violations.add(prefix + ".endpoints", "at least one endpoint is required");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < cluster.getEndpointsCount(); i++) {
      Endpoint endpoint = cluster.getEndpoints(i);
      String field = prefix + ".endpoints[" + i + "]";
      if (endpoint.getHost().isEmpty()) {
        violations.add(field + ".host", "a host is required");
      } else if (!Hosts.isHost(endpoint.getHost())) {
        violations.add(
            field + ".host",
            "\"" + endpoint.getHost() + "\" is neither a DNS name nor an IP literal");
      }
      if (endpoint.getPort() < 1 || endpoint.getPort() > 65535) {
        violations.add(
            field + ".port",
            "must be 1-65535, not " + Integer.toUnsignedString(endpoint.getPort()));
      }
      if (Integer.compareUnsigned(endpoint.getWeight(), MAX_WEIGHT) > 0) {
        violations.add(field + ".weight", "must be at most " + MAX_WEIGHT + " (0 means 1)");
      }
      String key =
          endpoint.getHost().toLowerCase(Locale.ROOT)
              + ":"
              + Integer.toUnsignedString(endpoint.getPort());
      Integer first = seen.putIfAbsent(key, i);
      if (first != null) {
        violations.add(field, "duplicates endpoints[" + first + "] (" + key + ")");
      }
    }
    if (cluster.getLbPolicy() == Cluster.LbPolicy.UNRECOGNIZED) {
      violations.add(prefix + ".lb_policy", "unknown policy " + cluster.getLbPolicyValue());
    }
    if (cluster.hasConnectTimeout()
        && !Durations.isPositiveAtMost(cluster.getConnectTimeout(), MAX_CONNECT_TIMEOUT_SECONDS)) {
      violations.add(
          prefix + ".connect_timeout",
          "must be above 0 and at most 60s, not " + Durations.format(cluster.getConnectTimeout()));
    }
  }
}
