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
    Map<String, BasicAuthPolicy> byName = new HashMap<>();
    BasicAuthPolicy fleetDefault = null;
    BasicCredentials credentials = null;
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != Policy.KindCase.BASIC_AUTH) {
        continue;
      }
      if (credentials == null) {
        credentials = BasicCredentials.of(snapshot, last);
      }
      BasicAuthPolicy compiled =
          BasicAuthPolicy.of(policy.getName(), policy.getBasicAuth(), credentials);
      byName.put(policy.getName(), compiled);
      if (policy.getFleetDefault() && fleetDefault == null) {
        fleetDefault = compiled;
      }
    }
    last = credentials == null ? BasicCredentials.empty() : credentials;
    return byName.isEmpty() ? this : new Bound(Map.copyOf(byName), fleetDefault);
  }

  /** The compiler for the routes of one snapshot. */
  private record Bound(Map<String, BasicAuthPolicy> byName, @Nullable BasicAuthPolicy fleetDefault)
      implements PolicyCompiler<BasicAuthPolicy> {
    @Override
    public PolicyKey<BasicAuthPolicy> key() {
      return BasicAuthPolicy.KEY;
    }

    @Override
    public @Nullable BasicAuthPolicy compile(Route route) {
      for (String name : route.getPoliciesList()) {
        BasicAuthPolicy own = byName.get(name);
        if (own != null) {
          return own;
        }
      }
      return fleetDefault;
    }
  }
}
