package dev.concierge.dataplane.cors;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.chain.SharedPolicies;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's {@code cors} policies once each and gives each route one: the CORS policy
 * it names, else the fleet default's (the shared rules allow at most one of each). Thread-safe.
 */
public final class CorsPolicyCompiler implements PolicyCompiler<CorsPolicy> {
  private final SharedPolicies<?, CorsPolicy> policies =
      SharedPolicies.of(Policy.KindCase.CORS, Policy::getCors, CorsPolicy::of);

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
    return new Bound(policies.compile(snapshot));
  }

  /** The compiler for the routes of one snapshot. */
  private record Bound(SharedPolicies.InForce<CorsPolicy> policies)
      implements PolicyCompiler<CorsPolicy> {
    @Override
    public PolicyKey<CorsPolicy> key() {
      return CorsPolicy.KEY;
    }

    @Override
    public @Nullable CorsPolicy compile(Route route) {
      return policies.oneOf(route);
    }
  }
}
