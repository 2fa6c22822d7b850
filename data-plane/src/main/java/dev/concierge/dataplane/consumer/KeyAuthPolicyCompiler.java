package dev.concierge.dataplane.consumer;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.chain.SharedPolicies;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's key_auth policies once each, over one {@link ConsumerKeys} of the
 * snapshot's consumers (built only when some policy asks for keys), and gives each route the first
 * key_auth policy it names, else a fleet-default one (the first by name): a route's own replaces
 * the fleet default. Thread-safe.
 */
public final class KeyAuthPolicyCompiler implements PolicyCompiler<KeyAuthPolicy> {
  @Override
  public PolicyKey<KeyAuthPolicy> key() {
    return KeyAuthPolicy.KEY;
  }

  /** Without a snapshot no policy is known: no route asks for a key. */
  @Override
  public @Nullable KeyAuthPolicy compile(Route route) {
    return null;
  }

  @Override
  public PolicyCompiler<KeyAuthPolicy> forSnapshot(ConfigSnapshot snapshot) {
    if (!SharedPolicies.has(snapshot, Policy.KindCase.KEY_AUTH)) {
      return this;
    }
    // Compiled afresh each snapshot: a policy's keys are the consumers', which change on their own.
    ConsumerKeys keys = ConsumerKeys.of(snapshot);
    return new Bound(
        SharedPolicies.of(
                Policy.KindCase.KEY_AUTH,
                Policy::getKeyAuth,
                (name, settings) -> KeyAuthPolicy.of(name, settings, keys))
            .compile(snapshot));
  }

  /** The compiler for the routes of one snapshot. */
  private record Bound(SharedPolicies.InForce<KeyAuthPolicy> policies)
      implements PolicyCompiler<KeyAuthPolicy> {
    @Override
    public PolicyKey<KeyAuthPolicy> key() {
      return KeyAuthPolicy.KEY;
    }

    @Override
    public @Nullable KeyAuthPolicy compile(Route route) {
      return policies.oneOf(route);
    }
  }
}
