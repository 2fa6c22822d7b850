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

  /** The overprovisioning factor of a cluster that sets none (Envoy's default), in percent. */
  public static final int DEFAULT_OVERPROVISIONING_PERCENT = 140;

  /** Smallest overprovisioning factor other than 0 (the default), in percent. */
  public static final int MIN_OVERPROVISIONING_PERCENT = 100;

  /** Largest overprovisioning factor, in percent. */
  public static final int MAX_OVERPROVISIONING_PERCENT = 1000;

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
    if (cluster.getEndpointsCount() > 0
        && cluster.getEndpointsList().stream().allMatch(Endpoint::getDraining)) {
      // A cluster with nothing in rotation could only fail its requests: add an endpoint first.
      sink.add(
          prefix + ".endpoints", "every endpoint is draining: at least one must take new requests");
    }
    FieldChecks.known(
        cluster.getLbPolicyValue(), Cluster.LbPolicy.getDescriptor(), prefix + ".lb_policy", sink);
    FieldChecks.known(
        cluster.getProtocolValue(), Cluster.Protocol.getDescriptor(), prefix + ".protocol", sink);
    if (cluster.hasConnectTimeout()) {
      FieldChecks.positiveAtMost(
          cluster.getConnectTimeout(), MAX_CONNECT_TIMEOUT, prefix + ".connect_timeout", sink);
    }
    if (cluster.hasHashPolicy()) {
      hashPolicy(cluster, prefix + ".hash_policy", sink);
    }
    int overprovisioning = cluster.getOverprovisioningPercent();
    if (overprovisioning != 0
        && (Integer.compareUnsigned(overprovisioning, MIN_OVERPROVISIONING_PERCENT) < 0
            || Integer.compareUnsigned(overprovisioning, MAX_OVERPROVISIONING_PERCENT) > 0)) {
      sink.add(
          prefix + ".overprovisioning_percent",
          "must be "
              + MIN_OVERPROVISIONING_PERCENT
              + "-"
              + MAX_OVERPROVISIONING_PERCENT
              + " (0 means "
              + DEFAULT_OVERPROVISIONING_PERCENT
              + "), not "
              + Integer.toUnsignedString(overprovisioning));
    }
    RetryRules.check(cluster, prefix, sink);
    CircuitBreakerRules.check(cluster, prefix, sink);
    OutlierRules.check(cluster, prefix, sink);
    BalancingRules.check(cluster, prefix, sink);
    UpstreamTlsRules.check(cluster, prefix, sink);
    if (cluster.hasHealthCheck()) {
      HealthCheckRules.check(cluster.getHealthCheck(), prefix + ".health_check", sink);
      HealthCheckRules.checkProtocol(
          cluster.getHealthCheck(), cluster.getProtocol(), prefix + ".health_check", sink);
    }
  }

  /** Whether the cluster's policy hashes a request key (and so may have a hash policy). */
  public static boolean hashes(Cluster.LbPolicy policy) {
    return policy == Cluster.LbPolicy.RING_HASH || policy == Cluster.LbPolicy.MAGLEV;
  }

  private static void hashPolicy(Cluster cluster, String field, ViolationSink sink) {
    if (!hashes(cluster.getLbPolicy())) {
      sink.add(field, "only for lb_policy RING_HASH or MAGLEV");
    }
    Cluster.HashPolicy policy = cluster.getHashPolicy();
    switch (policy.getKeyCase()) {
      case SOURCE_IP -> {
        if (!policy.getSourceIp()) {
          sink.add(field + ".source_ip", "must be true when set");
        }
      }
      case PATH -> {
        if (!policy.getPath()) {
          sink.add(field + ".path", "must be true when set");
        }
      }
      case HEADER -> {
        String problem = RequestMatchRules.headerNameProblem(policy.getHeader());
        if (problem != null) {
          sink.add(field + ".header", problem);
        }
      }
      case COOKIE -> {
        String problem = RequestMatchRules.headerNameProblem(policy.getCookie());
        if (problem != null) {
          sink.add(field + ".cookie", problem.replace("a header name", "a cookie name"));
        }
      }
      case KEY_NOT_SET -> sink.add(field, "one of source_ip, header, cookie or path is required");
    }
  }
}
