package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetryLimiterTest {
  @Test
  void allowsTheShareOfRequestsInFlightButAtLeastTheMinimum() {
    RetryLimiter budget = RetryLimiter.of(20, 3, new RetryBudgetCounters());

    assertThat(budget.allowed(0)).isEqualTo(3);
    assertThat(budget.allowed(10)).isEqualTo(3);
    assertThat(budget.allowed(15)).isEqualTo(3);
    assertThat(budget.allowed(20)).isEqualTo(4);
    assertThat(budget.allowed(100)).isEqualTo(20);
    assertThat(budget.allowed(104)).isEqualTo(20); // rounds down
  }

  @Test
  void refusesARetryOverTheBudgetUntilOneEnds() {
    RetryBudgetCounters counters = new RetryBudgetCounters();
    RetryLimiter budget = RetryLimiter.of(20, 1, counters);
    for (int i = 0; i < 10; i++) {
      budget.requestStarted();
    }

    assertThat(budget.tryAcquireRetry()).isTrue();
    assertThat(budget.tryAcquireRetry()).isTrue();
    assertThat(budget.tryAcquireRetry()).as("20% of 10 in flight").isFalse();
    budget.retryEnded();
    assertThat(budget.tryAcquireRetry()).isTrue();
    assertThat(counters.retriesInFlight()).isEqualTo(2);
    assertThat(counters.requestsInFlight()).isEqualTo(10);
  }

  @Test
  void sharesItsCountsWithTheNextRuntimesLimiter() {
    RetryBudgetCounters counters = new RetryBudgetCounters();
    RetryLimiter before = RetryLimiter.of(100, 1, counters);
    before.requestStarted();
    assertThat(before.tryAcquireRetry()).isTrue();

    RetryLimiter after = RetryLimiter.of(100, 1, counters);
    assertThat(after.tryAcquireRetry()).as("one request, one retry in flight").isFalse();
  }

  @Test
  void unlimitedCountsNothingAndRefusesNothing() {
    RetryLimiter none = RetryLimiter.unlimited();
    none.requestStarted();
    for (int i = 0; i < 1000; i++) {
      assertThat(none.tryAcquireRetry()).isTrue();
    }
    assertThat(none.isUnlimited()).isTrue();
  }
}
