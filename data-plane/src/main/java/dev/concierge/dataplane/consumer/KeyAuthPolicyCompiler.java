package dev.concierge.dataplane.consumer;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.HashMap;
import java.util.Map;
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
    Map<String, KeyAuthPolicy> byName = new HashMap<>();
    KeyAuthPolicy fleetDefault = null;
    ConsumerKeys keys = null;
    // Policies arrive in name order, so the first fleet default is the first by name.
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != Policy.KindCase.KEY_AUTH) {
        continue;
      }
      if (keys == null) {
        keys = ConsumerKeys.of(snapshot);
      }
      KeyAuthPolicy compiled = KeyAuthPolicy.of(policy.getName(), policy.getKeyAuth(), keys);
      byName.put(policy.getName(), compiled);
      if (policy.getFleetDefault() && fleetDefault == null) {
        fleetDefault = compiled;
      }
    }
    return byName.isEmpty() ? this : new Bound(Map.copyOf(byName), fleetDefault);
  }

  /** The compiler for the routes of one snapshot. */
  private record Bound(Map<String, KeyAuthPolicy> byName, @Nullable KeyAuthPolicy fleetDefault)
      implements PolicyCompiler<KeyAuthPolicy> {
    @Override
    public PolicyKey<KeyAuthPolicy> key() {
      return KeyAuthPolicy.KEY;
    }

    @Override
    public @Nullable KeyAuthPolicy compile(Route route) {
      for (String name : route.getPoliciesList()) {
        KeyAuthPolicy own = byName.get(name);
        if (own != null) {
          return own;
        }
      }
      return fleetDefault;
    }
  }
}
