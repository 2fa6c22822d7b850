package dev.concierge.api.rules;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The rules of a cluster's fields, for the management API and for every node alike. */
public final class ClusterRules {
  /** Longest connect timeout. */
  public static final Duration MAX_CONNECT_TIMEOUT = Durations.fromSeconds(60);

  /** Lowest priority (largest number) an endpoint may have. */
  public static final int MAX_PRIORITY = 127;

  private ClusterRules() {}

  /** Tells {@code sink} every broken field of {@code cluster}, under {@code prefix}. */
  public static void check(Cluster cluster, String prefix, ViolationSink sink) {
    FieldChecks.description(cluster.getDescription(), prefix + ".description", sink);
    if (cluster.getEndpointsCount() == 0) {
      sink.add(prefix + ".endpoints", "at least one endpoint is required");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < cluster.getEndpointsCount(); i++) {
      Endpoint endpoint = cluster.getEndpoints(i);
      String field = prefix + ".endpoints[" + i + "]";
      String host = EndpointHosts.problem(endpoint.getHost());
      if (host != null) {
        sink.add(field + ".host", host);
      }
      if (endpoint.getPort() < 1 || endpoint.getPort() > 65535) {
        sink.add(
            field + ".port",
            "must be 1-65535, not " + Integer.toUnsignedString(endpoint.getPort()));
      }
      FieldChecks.weight(endpoint.getWeight(), field + ".weight", sink);
      FieldChecks.atMost(
          Integer.toUnsignedLong(endpoint.getPriority()),
          MAX_PRIORITY,
          String.valueOf(MAX_PRIORITY),
          field + ".priority",
          sink);
      String key =
          endpoint.getHost().toLowerCase(Locale.ROOT)
              + ":"
              + Integer.toUnsignedString(endpoint.getPort());
      Integer first = seen.putIfAbsent(key, i);
      if (first != null) {
        sink.add(field, "duplicates endpoints[" + first + "] (" + key + ")");
      }
    }
    FieldChecks.known(
        cluster.getLbPolicyValue(), Cluster.LbPolicy.getDescriptor(), prefix + ".lb_policy", sink);
    FieldChecks.known(
        cluster.getProtocolValue(), Cluster.Protocol.getDescriptor(), prefix + ".protocol", sink);
    if (cluster.hasConnectTimeout()) {
      FieldChecks.positiveAtMost(
          cluster.getConnectTimeout(), MAX_CONNECT_TIMEOUT, prefix + ".connect_timeout", sink);
    }
  }
}
