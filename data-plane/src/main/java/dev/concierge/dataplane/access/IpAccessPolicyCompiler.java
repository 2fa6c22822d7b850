package dev.concierge.dataplane.access;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's {@code ip_access} policies once each (100,000 blocks take well under a
 * second) and gives each route the rules of the fleet defaults and of the policies it names. A
 * policy whose list is unchanged since the previous snapshot keeps its compiled rule, so a route
 * change does not re-sort a large list. Thread-safe.
 */
public final class IpAccessPolicyCompiler implements PolicyCompiler<IpAccessPolicy> {
  // The rules of the last snapshot compiled, by policy name, with the list each came from.
  private volatile Map<String, Compiled> last = Map.of();

  private record Compiled(IpAccessList list, IpAccessRule rule) {}

  @Override
  public PolicyKey<IpAccessPolicy> key() {
    return IpAccessPolicy.KEY;
  }

  /** Without a snapshot no policy is known: no route has IP access. */
  @Override
  public @Nullable IpAccessPolicy compile(Route route) {
    return null;
  }

  @Override
  public PolicyCompiler<IpAccessPolicy> forSnapshot(ConfigSnapshot snapshot) {
    Map<String, Compiled> previous = last;
    Map<String, Compiled> compiled = new HashMap<>();
    Map<String, IpAccessRule> rules = new HashMap<>();
    List<IpAccessRule> defaults = new ArrayList<>();
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != Policy.KindCase.IP_ACCESS) {
        continue;
      }
      IpAccessList list = policy.getIpAccess();
      Compiled before = previous.get(policy.getName());
      Compiled now =
          before != null && before.list.equals(list)
              ? before
              : new Compiled(list, IpAccessRule.of(policy.getName(), list));
      compiled.put(policy.getName(), now);
      rules.put(policy.getName(), now.rule);
      if (policy.getFleetDefault()) {
        defaults.add(now.rule);
      }
    }
    last = Map.copyOf(compiled);
    return new Bound(rules, defaults);
  }

  /** The compiler for the routes of one snapshot. */
  private static final class Bound implements PolicyCompiler<IpAccessPolicy> {
    private final Map<String, IpAccessRule> rules;
    private final List<IpAccessRule> defaults;
    private final IpAccessPolicy defaultsOnly;

    Bound(Map<String, IpAccessRule> rules, List<IpAccessRule> defaults) {
      this.rules = Map.copyOf(rules);
      this.defaults = List.copyOf(defaults);
      this.defaultsOnly = IpAccessPolicy.of(defaults);
    }

    @Override
    public PolicyKey<IpAccessPolicy> key() {
      return IpAccessPolicy.KEY;
    }

    @Override
    public @Nullable IpAccessPolicy compile(Route route) {
      // Fleet defaults first, then the route's own in its order; a policy named twice counts once.
      Set<IpAccessRule> applied = new LinkedHashSet<>(defaults);
      for (String name : route.getPoliciesList()) {
        // SnapshotRules, checked first, refuse a route that names a policy the snapshot lacks.
        IpAccessRule rule = rules.get(requireNonNull(name, "name"));
        if (rule != null) {
          applied.add(rule);
        }
      }
      if (applied.isEmpty()) {
        return null;
      }
      // Routes with only the defaults share one policy.
      return applied.size() == defaults.size()
          ? defaultsOnly
          : IpAccessPolicy.of(List.copyOf(applied));
    }
  }
}
