package dev.concierge.dataplane.cors;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's {@code cors} policies once each and gives each route one: the CORS policy
 * it names, else the fleet default's (the shared rules allow at most one of each). Thread-safe.
 */
public final class CorsPolicyCompiler implements PolicyCompiler<CorsPolicy> {
  @Override
  public PolicyKey<CorsPolicy> key() {
    return CorsPolicy.KEY;
  }

  /** Without a snapshot no policy is known: no route has CORS. */
  @Override
  public @Nullable CorsPolicy compile(Route route) {
    return null;
  }

  @Override
  public PolicyCompiler<CorsPolicy> forSnapshot(ConfigSnapshot snapshot) {
    Map<String, CorsPolicy> policies = new HashMap<>();
    CorsPolicy fleetDefault = null;
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() == Policy.KindCase.CORS) {
        CorsPolicy compiled = CorsPolicy.of(policy.getName(), policy.getCors());
        policies.put(policy.getName(), compiled);
        if (policy.getFleetDefault()) {
          fleetDefault = compiled;
        }
      }
    }
    return new Bound(Map.copyOf(policies), fleetDefault);
  }

  /** The compiler for the routes of one snapshot. */
  private record Bound(Map<String, CorsPolicy> policies, @Nullable CorsPolicy fleetDefault)
      implements PolicyCompiler<CorsPolicy> {
    @Override
    public PolicyKey<CorsPolicy> key() {
      return CorsPolicy.KEY;
    }

    @Override
    public @Nullable CorsPolicy compile(Route route) {
      for (String name : route.getPoliciesList()) {
        CorsPolicy own = policies.get(name);
        if (own != null) {
          return own; // the route's own replaces the fleet default
        }
      }
      return fleetDefault;
    }
  }
}
