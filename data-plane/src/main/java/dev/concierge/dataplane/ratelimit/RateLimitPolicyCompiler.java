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
 * full buckets. Thread-safe.
 */
public final class RateLimitPolicyCompiler implements PolicyCompiler<RateLimitPolicy> {
  private final LongSupplier nanoTime;
  private final BucketSweeper sweeper;
  private final SharedPolicies<?, RateLimitRule> policies =
      SharedPolicies.of(Policy.KindCase.RATE_LIMIT, Policy::getRateLimit, RateLimitRule::of);

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
