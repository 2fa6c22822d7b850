package dev.concierge.api.rules;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.RetryBudget;
import dev.concierge.api.v1.RetryPolicy;
import java.util.HashMap;
import java.util.Map;

/**
 * The rules of a route's retry policy and idle timeout and of a cluster's retry budget, for the
 * management API and for every node alike.
 */
public final class RetryRules {
  /** Wait before a first retry when the policy does not say: 25 ms. */
  public static final Duration DEFAULT_BACKOFF_BASE = Durations.fromMillis(25);

  /** The longest backoff base. */
  public static final Duration MAX_BACKOFF_BASE = Durations.fromSeconds(10);

  /** The longest backoff cap. */
  public static final Duration MAX_BACKOFF_MAX = Durations.fromSeconds(60);

  /** The cap is this many bases when the policy does not say. */
  public static final int DEFAULT_BACKOFF_FACTOR = 10;

  /** Share of requests in flight that may be retries, when the budget does not say. */
  public static final int DEFAULT_BUDGET_PERCENT = 20;

  /** Retries allowed in flight whatever the share, when the budget does not say. */
  public static final int DEFAULT_MIN_RETRY_CONCURRENCY = 3;

  /** The largest {@code min_retry_concurrency}. */
  public static final int MAX_MIN_RETRY_CONCURRENCY = 10_000;

  private RetryRules() {}

  /** Tells {@code sink} every broken retry or idle-timeout field of {@code forward}. */
  public static void check(ForwardAction forward, String prefix, ViolationSink sink) {
    if (forward.hasIdleTimeout()) {
      FieldChecks.positiveAtMost(
          forward.getIdleTimeout(), RouteRules.MAX_TIMEOUT, prefix + ".idle_timeout", sink);
    }
    if (forward.hasRetryPolicy()) {
      policy(forward.getRetryPolicy(), prefix + ".retry_policy", sink);
    }
  }

  private static void policy(RetryPolicy policy, String prefix, ViolationSink sink) {
    if (policy.getRetryOnCount() == 0) {
      sink.add(prefix + ".retry_on", "at least one condition is required");
    }
    Map<Integer, Integer> seen = new HashMap<>();
    for (int i = 0; i < policy.getRetryOnCount(); i++) {
      String field = prefix + ".retry_on[" + i + "]";
      int value = policy.getRetryOnValue(i);
      if (!FieldChecks.known(value, RetryPolicy.RetryOn.getDescriptor(), field, sink)) {
        continue;
      }
      if (value == RetryPolicy.RetryOn.RETRY_ON_UNSPECIFIED_VALUE) {
        sink.add(field, "must name a condition, not RETRY_ON_UNSPECIFIED");
        continue;
      }
      Integer first = seen.putIfAbsent(value, i);
      if (first != null) {
        sink.add(field, "duplicates retry_on[" + first + "]");
      }
    }
    if (policy.hasPerTryTimeout()) {
      FieldChecks.positiveAtMost(
          policy.getPerTryTimeout(), RouteRules.MAX_TIMEOUT, prefix + ".per_try_timeout", sink);
    }
    boolean baseValid = true;
    if (policy.hasBackoffBase()) {
      baseValid = positiveAtMost(policy.getBackoffBase(), MAX_BACKOFF_BASE);
      FieldChecks.positiveAtMost(
          policy.getBackoffBase(), MAX_BACKOFF_BASE, prefix + ".backoff_base", sink);
    }
    if (policy.hasBackoffMax()) {
      FieldChecks.positiveAtMost(
          policy.getBackoffMax(), MAX_BACKOFF_MAX, prefix + ".backoff_max", sink);
      Duration base = backoffBase(policy);
      if (baseValid
          && Durations.isValid(policy.getBackoffMax())
          && Durations.compare(policy.getBackoffMax(), base) < 0) {
        sink.add(
            prefix + ".backoff_max",
            "must be at least backoff_base ("
                + Durations.toString(base)
                + "), not "
                + Durations.toString(policy.getBackoffMax()));
      }
    }
  }

  private static boolean positiveAtMost(Duration d, Duration max) {
    return Durations.isValid(d) && Durations.isPositive(d) && Durations.compare(d, max) <= 0;
  }

  /** The policy's backoff base, its default when unset. */
  public static Duration backoffBase(RetryPolicy policy) {
    return policy.hasBackoffBase() ? policy.getBackoffBase() : DEFAULT_BACKOFF_BASE;
  }

  /** The policy's backoff cap, {@value #DEFAULT_BACKOFF_FACTOR} × its base when unset. */
  public static Duration backoffMax(RetryPolicy policy) {
    if (policy.hasBackoffMax()) {
      return policy.getBackoffMax();
    }
    Duration base = backoffBase(policy);
    return Durations.fromNanos(Durations.toNanos(base) * DEFAULT_BACKOFF_FACTOR);
  }

  /** Tells {@code sink} every broken field of {@code cluster}'s retry budget. */
  public static void check(Cluster cluster, String prefix, ViolationSink sink) {
    if (!cluster.hasRetryBudget()) {
      return;
    }
    RetryBudget budget = cluster.getRetryBudget();
    String field = prefix + ".retry_budget";
    FieldChecks.atMost(
        Integer.toUnsignedLong(budget.getPercent()),
        100,
        "100 (0 means " + DEFAULT_BUDGET_PERCENT + ")",
        field + ".percent",
        sink);
    FieldChecks.atMost(
        Integer.toUnsignedLong(budget.getMinRetryConcurrency()),
        MAX_MIN_RETRY_CONCURRENCY,
        MAX_MIN_RETRY_CONCURRENCY + " (0 means " + DEFAULT_MIN_RETRY_CONCURRENCY + ")",
        field + ".min_retry_concurrency",
        sink);
  }
}
