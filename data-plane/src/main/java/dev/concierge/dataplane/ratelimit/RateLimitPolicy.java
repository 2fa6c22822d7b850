package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.client.ClientFacts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpFields;

/**
 * A route's compiled rate limits: the rules of the fleet-default policies and of the route's own,
 * each with its own buckets, all of which must have a token for a request to pass. A route without
 * any gets {@link #none()}, which admits everything and costs a slot read. A GLOBAL rule may make a
 * request wait for the fleet's shared store (see {@link LeasedBuckets}). Immutable (the buckets it
 * points into are the rules' node-lifetime state), thread-safe.
 */
public final class RateLimitPolicy {
  private static final RateLimitPolicy NONE =
      new RateLimitPolicy(new RateLimitRule[0], new LongAdder[0], System::nanoTime);

  /** The key of the policy; a route without one is not limited. */
  public static final PolicyKey<RateLimitPolicy> KEY =
      PolicyKey.of("rate_limit", RateLimitPolicy.class, NONE);

  private final RateLimitRule[] rules;
  private final LongAdder[] refused;
  private final LongSupplier nanoTime;
  private final boolean global;

  private RateLimitPolicy(RateLimitRule[] rules, LongAdder[] refused, LongSupplier nanoTime) {
    this.rules = rules;
    this.refused = refused;
    this.nanoTime = nanoTime;
    boolean any = false;
    for (RateLimitRule rule : rules) {
      any |= rule.global();
    }
    this.global = any;
  }

  /** Admits everything: the policy of a route with no rate limit. */
  public static RateLimitPolicy none() {
    return NONE;
  }

  /**
   * All of {@code rules} apply to the route named {@code route}, on the clock {@code nanoTime};
   * none is {@link #none()}.
   */
  public static RateLimitPolicy of(String route, List<RateLimitRule> rules, LongSupplier nanoTime) {
    requireNonNull(route, "route");
    requireNonNull(nanoTime, "nanoTime");
    if (rules.isEmpty()) {
      return NONE;
    }
    RateLimitRule[] array = rules.toArray(new RateLimitRule[0]);
    LongAdder[] counters = new LongAdder[array.length];
    for (int i = 0; i < array.length; i++) {
      // Resolved now, so the request path never looks a counter up by name.
      counters[i] = array[i].refused(route);
    }
    return new RateLimitPolicy(array, counters, nanoTime);
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return rules.length == 0;
  }

  /** The rules, in the order they are asked. */
  public List<RateLimitRule> rules() {
    return List.of(rules);
  }

  /**
   * Tells {@code action} each rule with the requests it refused (or would have, dry run) on this
   * policy's route; node-lifetime counts (metrics, not the request path).
   */
  public void forEachRefused(java.util.function.ObjLongConsumer<RateLimitRule> action) {
    for (int i = 0; i < rules.length; i++) {
      action.accept(rules[i], refused[i].sum());
    }
  }

  /**
   * Takes a token from every rule's bucket for the request with {@code headers} and tells {@code
   * verdict} each rule's answer; returns whether the request may pass (every rule that refused only
   * counts). A GLOBAL rule that must first ask the shared store makes the answer a wait: then no
   * rule was told, and the request is to be admitted anew when the wait is over.
   */
  public Admission admit(HttpFields headers, ClientFacts client, Verdict verdict) {
    long now = nanoTime.getAsLong();
    long[] shared = null;
    if (global) {
      // GLOBAL rules first, so a request that must wait has spent no local token. (A token of a
      // first GLOBAL rule, taken before a second made the request wait, is not given back: at worst
      // the fleet lets slightly fewer through, never more.)
      shared = new long[rules.length];
      LeasedBuckets.Wait wait = new LeasedBuckets.Wait();
      for (int i = 0; i < rules.length; i++) {
        if (rules[i].global()) {
          long taken = rules[i].takeShared(headers, client, now, wait);
          CompletableFuture<Void> stage = wait.stage;
          if (taken == LeasedBuckets.PENDING && stage != null) {
            return Admission.waitFor(stage);
          }
          shared[i] = taken;
        }
      }
    }
    boolean admitted = true;
    for (int i = 0; i < rules.length; i++) {
      RateLimitRule rule = rules[i];
      long taken = shared != null && rule.global() ? shared[i] : rule.take(headers, client, now);
      if (taken > 0) {
        verdict.passed(rule, taken);
      } else {
        refused[i].increment();
        if (!rule.dryRun()) {
          admitted = false;
          verdict.refused(rule, -taken);
        }
      }
    }
    return Admission.of(admitted);
  }

  /** What each rule answered, to write the response's fields. */
  public interface Verdict {
    /** {@code rule} had a token; its bucket is full again in {@code fullInNanos}. */
    void passed(RateLimitRule rule, long fullInNanos);

    /** {@code rule} had none; the next comes in {@code waitNanos}. */
    void refused(RateLimitRule rule, long waitNanos);

    /** A verdict that writes nothing down (tools, benchmarks, tests). */
    static Verdict ignored() {
      return IgnoredVerdict.INSTANCE;
    }
  }

  private enum IgnoredVerdict implements Verdict {
    INSTANCE;

    @Override
    public void passed(RateLimitRule rule, long fullInNanos) {}

    @Override
    public void refused(RateLimitRule rule, long waitNanos) {}
  }

  @Override
  public String toString() {
    return rules.length == 0 ? "none" : new ArrayList<>(List.of(rules)).toString();
  }
}
