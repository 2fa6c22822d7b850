package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.chain.SharedPolicies;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Compiles the snapshot's {@code rate_limit} policies and gives each route the rules of the fleet
 * defaults and of the policies it names. A policy whose settings are unchanged since the previous
 * snapshot keeps its rule, and so its buckets and counters (node-lifetime state); a changed one
 * starts with full buckets. The rules in force are handed to a {@link BucketSweeper}, which drops
 * full buckets. GLOBAL limits share their buckets through the node's {@link GlobalLimits}; a node
 * without a store still accepts them (each request is then decided by the limit's {@code
 * on_store_error}, and counted) rather than refusing the whole snapshot. Thread-safe.
 */
public final class RateLimitPolicyCompiler implements PolicyCompiler<RateLimitPolicy> {
  private final LongSupplier nanoTime;
  private final BucketSweeper sweeper;
  private final SharedPolicies<?, RateLimitRule> policies;

  /**
   * A compiler on the system clock whose rules the shared background sweeper keeps small, without a
   * store for GLOBAL limits.
   */
  public RateLimitPolicyCompiler() {
    this(GlobalLimits.none());
  }

  /** As {@link #RateLimitPolicyCompiler()}, GLOBAL limits going through {@code global}. */
  public RateLimitPolicyCompiler(GlobalLimits global) {
    this(System::nanoTime, BucketSweeper.shared(), global);
  }

  /** A compiler on the clock {@code nanoTime} whose rules {@code sweeper} keeps small (tests). */
  public RateLimitPolicyCompiler(LongSupplier nanoTime, BucketSweeper sweeper) {
    this(nanoTime, sweeper, GlobalLimits.none());
  }

  /** As above, GLOBAL limits going through {@code global} (tests). */
  public RateLimitPolicyCompiler(
      LongSupplier nanoTime, BucketSweeper sweeper, GlobalLimits global) {
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.sweeper = requireNonNull(sweeper, "sweeper");
    requireNonNull(global, "global");
    this.policies =
        SharedPolicies.of(
            Policy.KindCase.RATE_LIMIT,
            Policy::getRateLimit,
            (name, limit) -> RateLimitRule.of(name, limit, global));
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
    SharedPolicies.InForce<RateLimitRule> rules = policies.compile(snapshot);
    sweeper.keep(this, rules.byName().values(), nanoTime);
    return new Bound(rules, nanoTime);
  }

  /** The compiler for the routes of one snapshot. */
  private static final class Bound implements PolicyCompiler<RateLimitPolicy> {
    private final SharedPolicies.InForce<RateLimitRule> rules;
    private final LongSupplier nanoTime;

    Bound(SharedPolicies.InForce<RateLimitRule> rules, LongSupplier nanoTime) {
      this.rules = rules;
      this.nanoTime = nanoTime;
    }

    @Override
    public PolicyKey<RateLimitPolicy> key() {
      return RateLimitPolicy.KEY;
    }

    @Override
    public @Nullable RateLimitPolicy compile(Route route) {
      List<RateLimitRule> applied = rules.applied(route);
      return applied.isEmpty() ? null : RateLimitPolicy.of(route.getName(), applied, nanoTime);
    }
  }
}
