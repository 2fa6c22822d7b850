package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigSnapshot;
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
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's {@code rate_limit} policies and gives each route the rules of the fleet
 * defaults and of the policies it names. A policy whose settings are unchanged since the previous
 * snapshot keeps its rule, and so its buckets and counters (node-lifetime state); a changed one
 * starts with full buckets. The rules in force are handed to a {@link BucketSweeper}, which drops
 * full buckets. Thread-safe.
 */
public final class RateLimitPolicyCompiler implements PolicyCompiler<RateLimitPolicy> {
  private final LongSupplier nanoTime;
  private final BucketSweeper sweeper;
  // The rules of the last snapshot compiled, by policy name.
  private volatile Map<String, RateLimitRule> last = Map.of();

  /** A compiler on the system clock whose rules the shared background sweeper keeps small. */
  public RateLimitPolicyCompiler() {
    this(System::nanoTime, BucketSweeper.shared());
  }

  /** A compiler on the clock {@code nanoTime} whose rules {@code sweeper} keeps small (tests). */
  public RateLimitPolicyCompiler(LongSupplier nanoTime, BucketSweeper sweeper) {
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.sweeper = requireNonNull(sweeper, "sweeper");
  }

  @Override
  public PolicyKey<RateLimitPolicy> key() {
    return RateLimitPolicy.KEY;
  }

  /** Without a snapshot no policy is known: no route is limited. */
  @Override
  public @Nullable RateLimitPolicy compile(Route route) {
    return null;
  }

  @Override
  public PolicyCompiler<RateLimitPolicy> forSnapshot(ConfigSnapshot snapshot) {
    Map<String, RateLimitRule> previous = last;
    Map<String, RateLimitRule> rules = new HashMap<>();
    List<RateLimitRule> defaults = new ArrayList<>();
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() != Policy.KindCase.RATE_LIMIT) {
        continue;
      }
      RateLimitRule before = previous.get(policy.getName());
      RateLimitRule rule =
          before != null && before.limit().equals(policy.getRateLimit())
              ? before
              : RateLimitRule.of(policy.getName(), policy.getRateLimit());
      rules.put(policy.getName(), rule);
      if (policy.getFleetDefault()) {
        defaults.add(rule);
      }
    }
    last = Map.copyOf(rules);
    sweeper.keep(this, last.values(), nanoTime);
    return new Bound(rules, defaults, nanoTime);
  }

  /** The compiler for the routes of one snapshot. */
  private static final class Bound implements PolicyCompiler<RateLimitPolicy> {
    private final Map<String, RateLimitRule> rules;
    private final List<RateLimitRule> defaults;
    private final LongSupplier nanoTime;

    Bound(Map<String, RateLimitRule> rules, List<RateLimitRule> defaults, LongSupplier nanoTime) {
      this.rules = Map.copyOf(rules);
      this.defaults = List.copyOf(defaults);
      this.nanoTime = nanoTime;
    }

    @Override
    public PolicyKey<RateLimitPolicy> key() {
      return RateLimitPolicy.KEY;
    }

    @Override
    public @Nullable RateLimitPolicy compile(Route route) {
      // Fleet defaults first, then the route's own in its order; a policy named twice counts once.
      Set<RateLimitRule> applied = new LinkedHashSet<>(defaults);
      for (String name : route.getPoliciesList()) {
        // SnapshotRules, checked first, refuse a route that names a policy the snapshot lacks.
        RateLimitRule rule = rules.get(requireNonNull(name, "name"));
        if (rule != null) {
          applied.add(rule);
        }
      }
      return applied.isEmpty()
          ? null
          : RateLimitPolicy.of(route.getName(), List.copyOf(applied), nanoTime);
    }
  }
}
