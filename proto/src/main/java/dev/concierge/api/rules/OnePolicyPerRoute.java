package dev.concierge.api.rules;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.HashSet;
import java.util.Set;

/**
 * The rule of the policy kinds of which one applies to a route (CORS, JWT): at most one fleet
 * default of the kind, and at most one policy of the kind named by each route.
 */
final class OnePolicyPerRoute {
  private OnePolicyPerRoute() {}

  /**
   * Tells {@code sink} when more than one policy of {@code kind} (called {@code label} in messages,
   * e.g. "CORS") would apply to a route: two fleet defaults, or a route naming two.
   */
  static void check(
      ConfigSnapshot snapshot, Policy.KindCase kind, String label, ViolationSink sink) {
    Set<String> ofKind = new HashSet<>();
    String fleetDefault = null;
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != kind) {
        continue;
      }
      ofKind.add(policy.getName());
      if (policy.getFleetDefault()) {
        if (fleetDefault != null) {
          sink.add(
              policy.getName() + ".fleet_default",
              "at most one "
                  + label
                  + " policy is a fleet default; "
                  + fleetDefault
                  + " already is");
        } else {
          fleetDefault = policy.getName();
        }
      }
    }
    for (Route route : snapshot.getRoutesList()) {
      String first = null;
      for (int i = 0; i < route.getPoliciesCount(); i++) {
        String name = route.getPolicies(i);
        if (!ofKind.contains(name) || name.equals(first)) {
          continue;
        }
        if (first != null) {
          sink.add(
              route.getName() + ".policies[" + i + "]",
              "a route uses at most one " + label + " policy; it already names " + first);
        } else {
          first = name;
        }
      }
    }
  }
}
