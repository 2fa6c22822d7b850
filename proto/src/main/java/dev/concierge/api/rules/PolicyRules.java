package dev.concierge.api.rules;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The rules of an edge policy ({@code policies/{id}}) and of the routes' references to policies,
 * for the management API and for every node alike: one kind set and valid by its own rules, and
 * every policy a route names present in the same configuration.
 */
public final class PolicyRules {
  /** Most policies one route names. */
  public static final int MAX_ROUTE_POLICIES = 16;

  private PolicyRules() {}

  /** Tells {@code sink} every broken field of {@code policy}, under {@code prefix}. */
  public static void check(Policy policy, String prefix, ViolationSink sink) {
    FieldChecks.description(policy.getDescription(), prefix + ".description", sink);
    switch (policy.getKindCase()) {
      case IP_ACCESS -> IpAccessRules.check(policy.getIpAccess(), prefix + ".ip_access", sink);
      case RATE_LIMIT -> RateLimitRules.check(policy.getRateLimit(), prefix + ".rate_limit", sink);
      case CORS -> CorsRules.check(policy.getCors(), prefix + ".cors", sink);
      case KEY_AUTH -> ConsumerAuthRules.check(policy.getKeyAuth(), prefix + ".key_auth", sink);
      case BASIC_AUTH ->
          ConsumerAuthRules.check(policy.getBasicAuth(), prefix + ".basic_auth", sink);
      case JWT_AUTH -> JwtAuthRules.check(policy.getJwtAuth(), prefix + ".jwt_auth", sink);
      case CONNECTION_LIMITS -> ConnectionLimitsRules.check(policy, prefix, sink);
      default ->
          sink.add(
              prefix + ".ip_access",
              "a policy kind is required: set ip_access, rate_limit, cors, jwt_auth or connection_limits");
    }
  }

  /**
   * Tells {@code sink} every broken entry of {@code route.policies}: names, repeats and count;
   * whether the policies exist is {@link #checkReferences}'.
   */
  public static void checkRouteNames(Route route, String prefix, ViolationSink sink) {
    String field = prefix + ".policies";
    if (route.getPoliciesCount() > MAX_ROUTE_POLICIES) {
      sink.add(field, "at most " + MAX_ROUTE_POLICIES + " policies");
    }
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < route.getPoliciesCount(); i++) {
      String name = route.getPolicies(i);
      String problem = ResourceIds.nameProblem(ResourceIds.POLICIES, name);
      if (problem != null) {
        sink.add(field + "[" + i + "]", problem);
        continue;
      }
      Integer first = seen.putIfAbsent(name, i);
      if (first != null) {
        sink.add(field + "[" + i + "]", "duplicates policies[" + first + "]");
      }
    }
  }

  /** Tells {@code sink} of every route that names a policy {@code snapshot} does not hold. */
  public static void checkReferences(ConfigSnapshot snapshot, ViolationSink sink) {
    Set<String> policies = new HashSet<>();
    snapshot.getPoliciesList().forEach(p -> policies.add(p.getName()));
    for (Route route : snapshot.getRoutesList()) {
      for (int i = 0; i < route.getPoliciesCount(); i++) {
        String name = route.getPolicies(i);
        if (ResourceIds.isName(ResourceIds.POLICIES, name) && !policies.contains(name)) {
          sink.add(route.getName() + ".policies[" + i + "]", missingPolicy(name));
        }
      }
    }
    CorsRules.checkSnapshot(snapshot, sink);
    JwtAuthRules.checkSnapshot(snapshot, sink);
    ConnectionLimitsRules.checkSnapshot(snapshot, sink);
  }

  /** Why a route may not name {@code policy}: it does not exist. */
  public static String missingPolicy(String policy) {
    return "policy \"" + policy + "\" does not exist";
  }
}
