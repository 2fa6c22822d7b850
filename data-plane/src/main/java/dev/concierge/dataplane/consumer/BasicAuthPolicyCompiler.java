package dev.concierge.dataplane.consumer;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.chain.SharedPolicies;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's basic_auth policies once each, over one {@link BasicCredentials} of the
 * snapshot's consumers (built only when some policy asks for them, carrying over the verified
 * passwords of unchanged credentials), and gives each route the first basic_auth policy it names,
 * else a fleet-default one (the first by name). Thread-safe.
 */
public final class BasicAuthPolicyCompiler implements PolicyCompiler<BasicAuthPolicy> {
  // The credentials of the last snapshot compiled: their caches live on while unchanged.
  private volatile BasicCredentials last = BasicCredentials.empty();

  @Override
  public PolicyKey<BasicAuthPolicy> key() {
    return BasicAuthPolicy.KEY;
  }

  /** Without a snapshot no policy is known: no route asks for credentials. */
  @Override
  public @Nullable BasicAuthPolicy compile(Route route) {
    return null;
  }

  @Override
  public PolicyCompiler<BasicAuthPolicy> forSnapshot(ConfigSnapshot snapshot) {
    if (!SharedPolicies.has(snapshot, Policy.KindCase.BASIC_AUTH)) {
      last = BasicCredentials.empty();
      return this;
    }
    // Compiled afresh each snapshot over the consumers' credentials, which carry the verified
    // passwords of unchanged credentials over from the last snapshot.
    BasicCredentials credentials = BasicCredentials.of(snapshot, last);
    last = credentials;
    return new Bound(
        SharedPolicies.of(
                Policy.KindCase.BASIC_AUTH,
                Policy::getBasicAuth,
                (name, settings) -> BasicAuthPolicy.of(name, settings, credentials))
            .compile(snapshot));
  }

  /** The compiler for the routes of one snapshot. */
  private record Bound(SharedPolicies.InForce<BasicAuthPolicy> policies)
      implements PolicyCompiler<BasicAuthPolicy> {
    @Override
    public PolicyKey<BasicAuthPolicy> key() {
      return BasicAuthPolicy.KEY;
    }

    @Override
    public @Nullable BasicAuthPolicy compile(Route route) {
      return policies.oneOf(route);
    }
  }
}
