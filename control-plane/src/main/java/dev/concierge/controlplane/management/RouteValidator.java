package dev.concierge.controlplane.management;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import dev.concierge.api.rules.HostPatterns;
import dev.concierge.api.rules.HttpMethods;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.store.ResourceKind;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.function.Predicate;

/** Checks every writable field of a route, recording each violation with its field path. */
public final class RouteValidator {
  private static final long MAX_TIMEOUT_SECONDS = 3600;
  static final int MAX_ATTEMPTS = 5;
  /** Largest request_body.max_bytes: 1 TiB. */
  static final long MAX_BODY_BYTES = 1L << 40;

  private RouteValidator() {}

  /**
   * The route with its hosts lowercased, as it is stored; every other field (methods, prefix_mode,
   * path_forwarding, max_attempts, request_body) is kept as given.
   */
  public static Route normalize(Route route) {
    Route.Builder b = route.toBuilder();
    RouteMatch.Builder match = b.getMatchBuilder();
    for (int i = 0; i < match.getHostsCount(); i++) {
      match.setHosts(i, match.getHosts(i).toLowerCase(Locale.ROOT));
    }
    if (!route.hasMatch()) {
      b.clearMatch();
    }
    return b.build();
  }

  /**
   * Records the route's violations under the prefix; clusterExists answers for "clusters/{id}"
   * names.
   */
  public static void validate(
      Route route, String prefix, Predicate<String> clusterExists, FieldViolations violations) {
    if (route.getDescription().length() > ClusterValidator.MAX_DESCRIPTION) {
      violations.add(
          prefix + ".description",
          "must be at most " + ClusterValidator.MAX_DESCRIPTION + " characters");
    }
    RouteMatch match = route.getMatch();
    Map<String, Integer> hosts = new HashMap<>();
    for (int i = 0; i < match.getHostsCount(); i++) {
      String host = match.getHosts(i);
      String field = prefix + ".match.hosts[" + i + "]";
      String problem = HostPatterns.problem(host);
      if (problem != null) {
        violations.add(field, problem);
      }
      Integer first = hosts.putIfAbsent(host.toLowerCase(Locale.ROOT), i);
      if (first != null) {
        violations.add(field, "duplicates hosts[" + first + "]");
      }
    }
    switch (match.getPathCase()) {
      case PATH_EXACT -> checkPath(match.getPathExact(), prefix + ".match.path_exact", violations);
      case PATH_PREFIX ->
          checkPath(match.getPathPrefix(), prefix + ".match.path_prefix", violations);
      default -> {}
    }
    checkMethods(match, prefix + ".match.methods", violations);
    String prefixMode = prefix + ".match.prefix_mode";
    int mode = match.getPrefixModeValue();
    if (known(mode, RouteMatch.PrefixMode.getDescriptor(), prefixMode, violations)
        && mode != 0
        && match.getPathCase() != RouteMatch.PathCase.PATH_PREFIX) {
      violations.add(prefixMode, "only applies to path_prefix");
    }
    if (route.getActionCase() == Route.ActionCase.FORWARD) {
      checkForward(route.getForward(), prefix + ".forward", clusterExists, violations);
    } else {
      violations.add(prefix + ".forward", "an action is required: set forward");
    }
    RequestBodyPolicy body = route.getRequestBody();
    known(body.getModeValue(), RequestBodyPolicy.Mode.getDescriptor(),
        prefix + ".request_body.mode", violations);
    checkAtMost(body.getMaxBytes(), MAX_BODY_BYTES, "1 TiB (" + MAX_BODY_BYTES + " bytes)",
        prefix + ".request_body.max_bytes", violations);
  }

  /** Records "must be at most {limit}" when the unsigned {@code value} is above {@code max}. */
  private static void checkAtMost(
      long value, long max, String limit, String field, FieldViolations violations) {
    if (Long.compareUnsigned(value, max) > 0) {
      violations.add(
          field, "must be at most " + limit + ", not " + Long.toUnsignedString(value));
    }
  }

  private static void checkMethods(RouteMatch match, String prefix, FieldViolations violations) {
    Map<String, Integer> methods = new HashMap<>();
    for (int i = 0; i < match.getMethodsCount(); i++) {
      String method = match.getMethods(i);
      String field = prefix + "[" + i + "]";
      String problem = HttpMethods.problem(method);
      if (problem != null) {
        violations.add(field, problem);
      }
      Integer first = methods.putIfAbsent(method, i);
      if (first != null) {
        violations.add(field, "duplicates methods[" + first + "]");
      }
    }
  }

  /**
   * Whether {@code value} is a number of the enum {@code type} (a newer client may send one this
   * server does not know); records a violation when not.
   */
  private static boolean known(
      int value, EnumDescriptor type, String field, FieldViolations violations) {
    if (type.findValueByNumber(value) != null) {
      return true;
    }
    violations.add(
        field,
        "unknown value "
            + value
            + " (one of "
            + type.getValues().stream()
                .map(EnumValueDescriptor::getName)
                .collect(Collectors.joining(", "))
            + ")");
    return false;
  }

  private static void checkPath(String path, String field, FieldViolations violations) {
    if (!path.startsWith("/")) {
      violations.add(field, "must start with \"/\"");
    }
    for (int i = 0; i < path.length(); i++) {
      char ch = path.charAt(i);
      if (Character.isWhitespace(ch) || Character.isISOControl(ch)) {
        violations.add(field, "must not contain whitespace or control characters");
        break;
      }
    }
  }

  private static void checkForward(
      ForwardAction forward,
      String prefix,
      Predicate<String> clusterExists,
      FieldViolations violations) {
    if (forward.getClustersCount() == 0) {
      violations.add(prefix + ".clusters", "at least one cluster is required");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < forward.getClustersCount(); i++) {
      WeightedCluster wc = forward.getClusters(i);
      String field = prefix + ".clusters[" + i + "]";
      String cluster = wc.getCluster();
      if (cluster.isEmpty()) {
        violations.add(field + ".cluster", "a cluster name (\"clusters/{id}\") is required");
      } else if (!ResourceNames.isValid(ResourceKind.CLUSTER, cluster)) {
        violations.add(
            field + ".cluster",
            "\"" + cluster + "\" must be \"clusters/{id}\" where the id " + ResourceNames.ID_RULE);
      } else if (!clusterExists.test(cluster)) {
        violations.add(field + ".cluster", missingCluster(cluster));
      }
      Integer first = cluster.isEmpty() ? null : seen.putIfAbsent(cluster, i);
      if (first != null) {
        violations.add(
            field + ".cluster",
            "cluster \"" + cluster + "\" is listed twice (also clusters[" + first + "])");
      }
      if (Integer.compareUnsigned(wc.getWeight(), ClusterValidator.MAX_WEIGHT) > 0) {
        violations.add(
            field + ".weight", "must be at most " + ClusterValidator.MAX_WEIGHT + " (0 means 1)");
      }
    }
    if (forward.hasTimeout()
        && !Durations.isPositiveAtMost(forward.getTimeout(), MAX_TIMEOUT_SECONDS)) {
      violations.add(
          prefix + ".timeout",
          "must be above 0 and at most 1h, not " + Durations.format(forward.getTimeout()));
    }
    known(forward.getPathForwardingValue(), ForwardAction.PathForwarding.getDescriptor(),
        prefix + ".path_forwarding", violations);
    checkAtMost(Integer.toUnsignedLong(forward.getMaxAttempts()), MAX_ATTEMPTS,
        MAX_ATTEMPTS + " (0 means 2)", prefix + ".max_attempts", violations);
  }

  static String missingCluster(String cluster) {
    return "cluster \"" + cluster + "\" does not exist";
  }
}
