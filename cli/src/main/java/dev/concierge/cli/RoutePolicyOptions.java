package dev.concierge.cli;

import dev.concierge.api.rules.ResourceIds;
import dev.concierge.api.v1.Route;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code route create|update} options naming the edge policies a route applies ({@code concierge
 * policy}); update replaces the list whole.
 */
final class RoutePolicyOptions {
  @Option(
      names = "--policy",
      paramLabel = "NAME",
      description =
          "An edge policy the route applies (concierge policy), besides the fleet defaults;"
              + " repeat for more (update: replaces the list).")
  @Nullable List<String> policies;

  @Option(names = "--no-policies", description = "Apply no policy of the route's own (update).")
  boolean noPolicies;

  /** Whether any option was given. */
  boolean given() {
    return (policies != null && !policies.isEmpty()) || noPolicies;
  }

  /** A usage problem of the combination, or null. */
  @Nullable String conflict() {
    return noPolicies && policies != null && !policies.isEmpty()
        ? "--policy and --no-policies are mutually exclusive"
        : null;
  }

  /** Replaces {@code route}'s policies by the ones given (typed as ids or full names). */
  void applyTo(Route.Builder route) {
    route.clearPolicies();
    if (noPolicies || policies == null) {
      return;
    }
    for (String typed : policies) {
      String id = Names.POLICY.id(typed);
      // A bad id goes to the control plane as typed, which names the field it is in.
      route.addPolicies(ResourceIds.isId(id) ? ResourceIds.POLICIES + id : typed);
    }
  }
}
