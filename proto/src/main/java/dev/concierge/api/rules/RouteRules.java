package dev.concierge.api.rules;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/** The rules of a route's fields, for the management API and for every node alike. */
public final class RouteRules {
  /** Longest route timeout. */
  public static final Duration MAX_TIMEOUT = Durations.fromHours(1);

  /** Most tries of one request (the first included). */
  public static final int MAX_ATTEMPTS = 5;

  /** Tries of one request when the route does not say. */
  public static final int DEFAULT_ATTEMPTS = 2;

  /** Largest {@code request_body.max_bytes}: 1 TiB. */
  public static final long MAX_BODY_BYTES = 1L << 40;

  private RouteRules() {}

  /**
   * Tells {@code sink} every broken field of {@code route}, under {@code prefix}; {@code
   * clusterExists} answers for the "clusters/{id}" names it forwards to.
   */
  public static void check(
      Route route, String prefix, Predicate<String> clusterExists, ViolationSink sink) {
    FieldChecks.description(route.getDescription(), prefix + ".description", sink);
    RouteMatch match = route.getMatch();
    Map<String, Integer> hosts = new HashMap<>();
    for (int i = 0; i < match.getHostsCount(); i++) {
      String host = match.getHosts(i);
      String field = prefix + ".match.hosts[" + i + "]";
      String problem = HostPatterns.problem(host);
      if (problem != null) {
        sink.add(field, problem);
      }
      Integer first = hosts.putIfAbsent(host.toLowerCase(Locale.ROOT), i);
      if (first != null) {
        sink.add(field, "duplicates hosts[" + first + "]");
      }
    }
    switch (match.getPathCase()) {
      case PATH_EXACT -> path(match.getPathExact(), prefix + ".match.path_exact", sink);
      case PATH_PREFIX -> path(match.getPathPrefix(), prefix + ".match.path_prefix", sink);
      case PATH_REGEX ->
          RequestMatchRules.regex(match.getPathRegex(), prefix + ".match.path_regex", sink);
      default -> {}
    }
    Map<String, Integer> methods = new HashMap<>();
    for (int i = 0; i < match.getMethodsCount(); i++) {
      String method = match.getMethods(i);
      String field = prefix + ".match.methods[" + i + "]";
      String problem = HttpMethods.problem(method);
      if (problem != null) {
        sink.add(field, problem);
      }
      Integer first = methods.putIfAbsent(method, i);
      if (first != null) {
        sink.add(field, "duplicates methods[" + first + "]");
      }
    }
    RequestMatchRules.check(match, prefix, sink);
    ClientMatchRules.check(match, prefix, sink);
    String prefixMode = prefix + ".match.prefix_mode";
    if (FieldChecks.known(
            match.getPrefixModeValue(), RouteMatch.PrefixMode.getDescriptor(), prefixMode, sink)
        && match.getPrefixModeValue() != 0
        && match.getPathCase() != RouteMatch.PathCase.PATH_PREFIX) {
      sink.add(prefixMode, "only applies to path_prefix");
    }
    switch (route.getActionCase()) {
      case FORWARD -> {
        forward(route.getForward(), prefix + ".forward", clusterExists, sink);
        RewriteRules.check(route.getForward(), match, prefix + ".forward", sink);
      }
      case REDIRECT ->
          RouteActions.redirect(route.getRedirect(), match, prefix + ".redirect", sink);
      case DIRECT_RESPONSE ->
          RouteActions.directResponse(route.getDirectResponse(), prefix + ".direct_response", sink);
      default ->
          sink.add(
              prefix + ".forward",
              "an action is required: set forward, redirect or direct_response");
    }
    RequestBodyPolicy body = route.getRequestBody();
    FieldChecks.known(
        body.getModeValue(),
        RequestBodyPolicy.Mode.getDescriptor(),
        prefix + ".request_body.mode",
        sink);
    FieldChecks.atMost(
        body.getMaxBytes(),
        MAX_BODY_BYTES,
        "1 TiB (" + MAX_BODY_BYTES + " bytes)",
        prefix + ".request_body.max_bytes",
        sink);
    if (route.hasTls()) {
      RouteTlsRules.check(route.getTls(), prefix + ".tls", sink);
    }
    if (route.hasAccessLog()) {
      AccessLogRules.check(route.getAccessLog(), prefix + ".access_log", sink);
    }
    PolicyRules.checkRouteNames(route, prefix, sink);
  }

  private static void path(String path, String field, ViolationSink sink) {
    String problem = RoutePaths.problem(path);
    if (problem != null) {
      sink.add(field, problem);
    }
  }

  private static void forward(
      ForwardAction forward, String prefix, Predicate<String> clusterExists, ViolationSink sink) {
    if (forward.getClustersCount() == 0) {
      sink.add(prefix + ".clusters", "at least one cluster is required");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < forward.getClustersCount(); i++) {
      WeightedCluster wc = forward.getClusters(i);
      String field = prefix + ".clusters[" + i + "]";
      String cluster = wc.getCluster();
      String name = ResourceIds.nameProblem(ResourceIds.CLUSTERS, cluster);
      if (name != null) {
        sink.add(field + ".cluster", name);
      } else if (!clusterExists.test(cluster)) {
        sink.add(field + ".cluster", missingCluster(cluster));
      }
      Integer first = cluster.isEmpty() ? null : seen.putIfAbsent(cluster, i);
      if (first != null) {
        sink.add(
            field + ".cluster",
            "cluster \"" + cluster + "\" is listed twice (also clusters[" + first + "])");
      }
    }
    StickinessRules.check(forward, prefix, sink);
    if (forward.hasTimeout()) {
      FieldChecks.positiveAtMost(forward.getTimeout(), MAX_TIMEOUT, prefix + ".timeout", sink);
    }
    FieldChecks.known(
        forward.getPathForwardingValue(),
        ForwardAction.PathForwarding.getDescriptor(),
        prefix + ".path_forwarding",
        sink);
    FieldChecks.atMost(
        Integer.toUnsignedLong(forward.getMaxAttempts()),
        MAX_ATTEMPTS,
        MAX_ATTEMPTS + " (0 means " + DEFAULT_ATTEMPTS + ")",
        prefix + ".max_attempts",
        sink);
    RetryRules.check(forward, prefix, sink);
  }

  /** Why a route may not forward to {@code cluster}: it does not exist. */
  public static String missingCluster(String cluster) {
    return "cluster \"" + cluster + "\" does not exist";
  }
}
