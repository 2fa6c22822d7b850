package dev.concierge.controlplane.management;

import dev.concierge.api.rules.PolicyRules;
import dev.concierge.api.rules.ResourceIds;
import dev.concierge.api.rules.RouteRules;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Normalises a route of a write and checks it by the rules every node applies ({@link RouteRules}).
 */
public final class RouteValidator {
  private RouteValidator() {}

  /**
   * The route with its hosts and header names lowercased, as it is stored; every other field
   * (methods, prefix_mode, path_forwarding, max_attempts, request_body) is kept as given.
   */
  public static Route normalize(Route route) {
    Route.Builder b = route.toBuilder();
    RouteMatch.Builder match = b.getMatchBuilder();
    for (int i = 0; i < match.getHostsCount(); i++) {
      match.setHosts(i, match.getHosts(i).toLowerCase(Locale.ROOT));
    }
    // Header names ignore case; stored as HTTP/2 writes them.
    for (int i = 0; i < match.getHeadersCount(); i++) {
      match.setHeaders(
          i,
          match.getHeaders(i).toBuilder()
              .setName(match.getHeaders(i).getName().toLowerCase(Locale.ROOT)));
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
    RouteRules.check(route, prefix, clusterExists, violations::add);
  }

  /**
   * Records a violation for each policy the route names that {@code policyExists} does not know
   * (the names themselves are {@link RouteRules}'); the nodes' rules check the same across the
   * whole configuration.
   */
  public static void validatePolicies(
      Route route, String prefix, Predicate<String> policyExists, FieldViolations violations) {
    for (int i = 0; i < route.getPoliciesCount(); i++) {
      String name = route.getPolicies(i);
      if (ResourceIds.isName(ResourceIds.POLICIES, name) && !policyExists.test(name)) {
        violations.add(prefix + ".policies[" + i + "]", PolicyRules.missingPolicy(name));
      }
    }
  }
}
