package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

/**
 * A cluster's compiled retry budget (Envoy's): at most {@code max(minConcurrency, percent % of the
 * requests in flight)} retries in flight at once, counted on the node-lifetime {@link
 * RetryBudgetCounters}. {@link #unlimited()} (a cluster without a budget) counts nothing.
 *
 * <p>A request calls {@link #requestStarted()} once and {@link #requestEnded()} once, on the
 * limiter it started with; each retry it makes takes a place with {@link #tryAcquireRetry()} and
 * gives it back with {@link #retryEnded()} when that try ends. Lock-free; thread-safe.
 */
public final class RetryLimiter {
  private static final RetryLimiter UNLIMITED = new RetryLimiter();

  private final int percent;
  private final int minConcurrency;
  private final RetryBudgetCounters counters;

  private RetryLimiter() {
    this.percent = 100;
    this.minConcurrency = Integer.MAX_VALUE;
    this.counters = new RetryBudgetCounters();
  }

  private RetryLimiter(int percent, int minConcurrency, RetryBudgetCounters counters) {
    if (percent < 1 || percent > 100) {
      throw new IllegalArgumentException("percent must be 1-100: " + percent);
    }
    if (minConcurrency < 1) {
      throw new IllegalArgumentException("minConcurrency must be at least 1: " + minConcurrency);
    }
    this.percent = percent;
    this.minConcurrency = minConcurrency;
    this.counters = requireNonNull(counters, "counters");
  }

  /** A budget of {@code percent} % of requests in flight, at least {@code minConcurrency}. */
  public static RetryLimiter of(int percent, int minConcurrency, RetryBudgetCounters counters) {
    return new RetryLimiter(percent, minConcurrency, counters);
  }

  /** No budget: every retry the route allows is made. */
  public static RetryLimiter unlimited() {
    return UNLIMITED;
  }

  /** Whether this is {@link #unlimited()}. */
  public boolean isUnlimited() {
    return this == UNLIMITED;
  }

  /** A request to the cluster starts. */
  public void requestStarted() {
    if (this != UNLIMITED) {
      counters.requests.incrementAndGet();
    }
  }

  /** A request to the cluster ended, however it ended. */
  public void requestEnded() {
    if (this != UNLIMITED) {
      counters.requests.decrementAndGet();
    }
  }

  /** The retries allowed in flight with {@code requestsInFlight} requests in flight. */
  public int allowed(int requestsInFlight) {
    long share = (long) requestsInFlight * percent / 100;
    return (int) Math.max(minConcurrency, Math.min(Integer.MAX_VALUE, share));
  }

  /** Takes a place for one retry; false when the budget is used up (make no retry then). */
  public boolean tryAcquireRetry() {
    if (this == UNLIMITED) {
      return true;
    }
    while (true) {
      int inFlight = counters.retries.get();
      if (inFlight >= allowed(counters.requests.get())) {
        return false;
      }
      if (counters.retries.compareAndSet(inFlight, inFlight + 1)) {
        return true;
      }
    }
  }

  /** The retry that took a place ended. */
  public void retryEnded() {
    if (this != UNLIMITED) {
      counters.retries.decrementAndGet();
    }
  }

  @Override
  public String toString() {
    return this == UNLIMITED
        ? "unlimited"
        : percent + "% (at least " + minConcurrency + ") of requests in flight";
  }
}
