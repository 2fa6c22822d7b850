package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
  @Test
  void noLimitsIsTheSharedNullObjectAndCountsNothing() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker breaker = CircuitBreaker.of(0, 0, 0, 0, counters);
    assertThat(breaker).isSameAs(CircuitBreaker.none());
    for (int i = 0; i < 1_000; i++) {
      assertThat(breaker.tryStartRequest()).isTrue();
      assertThat(breaker.tryAcquireRetry()).isTrue();
    }
    assertThat(breaker.limitsConnections()).isFalse();
    assertThat(counters.requestsInFlight()).isZero();
    assertThat(counters.retriesInFlight()).isZero();
  }

  @Test
  void requestsOverMaxRequestsAreRefusedUntilOneEnds() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker breaker = CircuitBreaker.of(0, 0, 2, 0, counters);
    assertThat(breaker.tryStartRequest()).isTrue();
    assertThat(breaker.tryStartRequest()).isTrue();
    assertThat(breaker.tryStartRequest()).isFalse();
    assertThat(counters.requestsInFlight()).isEqualTo(2);
    breaker.requestEnded();
    assertThat(breaker.tryStartRequest()).isTrue();
    assertThat(breaker.tryAcquireRetry()).isTrue(); // max_retries unset: not counted
    assertThat(counters.retriesInFlight()).isZero();
  }

  @Test
  void retriesOverMaxRetriesAreRefused() {
    CircuitBreaker breaker = CircuitBreaker.of(0, 0, 0, 1, new CircuitBreakerCounters());
    assertThat(breaker.tryAcquireRetry()).isTrue();
    assertThat(breaker.tryAcquireRetry()).isFalse();
    breaker.retryEnded();
    assertThat(breaker.tryAcquireRetry()).isTrue();
  }

  @Test
  void theCountsSurviveANewBreakerOnTheSameCounters() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    assertThat(CircuitBreaker.of(0, 0, 1, 0, counters).tryStartRequest()).isTrue();
    // A config swap compiles a new breaker over the node-lifetime counts.
    CircuitBreaker swapped = CircuitBreaker.of(0, 0, 1, 0, counters);
    assertThat(swapped.tryStartRequest()).isFalse();
  }

  @Test
  void aClosedConnectionsPlaceGoesToTheFirstWaiterAndPendingIsBounded() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker breaker = CircuitBreaker.of(1, 2, 0, 0, counters);
    List<String> admitted = new ArrayList<>();
    assertThat(breaker.tryOpenConnection()).isTrue();
    assertThat(breaker.tryOpenConnection()).isFalse();
    assertThat(breaker.enqueue(() -> admitted.add("a"))).isTrue();
    CircuitBreaker.Waiter b = () -> admitted.add("b");
    assertThat(breaker.enqueue(b)).isTrue();
    assertThat(breaker.enqueue(() -> admitted.add("c"))).isFalse(); // max_pending_requests
    assertThat(counters.pendingRequests()).isEqualTo(2);
    assertThat(breaker.hasWaiters()).isTrue();

    breaker.connectionClosed();
    assertThat(admitted).containsExactly("a");
    assertThat(counters.openConnections()).isEqualTo(1); // the place went to "a"
    assertThat(counters.pendingRequests()).isEqualTo(1);

    assertThat(breaker.cancel(b)).isTrue(); // "b" timed out
    assertThat(breaker.cancel(b)).isFalse();
    assertThat(counters.pendingRequests()).isZero();
    breaker.connectionClosed();
    assertThat(admitted).containsExactly("a");
    assertThat(counters.openConnections()).isZero();
  }

  @Test
  void aWaiterQueuedAfterThePlaceFreedIsAdmittedAtOnce() {
    CircuitBreaker breaker = CircuitBreaker.of(1, 0, 0, 0, new CircuitBreakerCounters());
    List<String> admitted = new ArrayList<>();
    assertThat(breaker.tryOpenConnection()).isTrue();
    breaker.connectionClosed(); // between a refusal and the queueing
    assertThat(breaker.enqueue(() -> admitted.add("a"))).isTrue(); // 0 pending: no limit
    assertThat(admitted).containsExactly("a");
  }

  @Test
  void pendingRequestsAreCountedOnlyWithAConnectionOrPendingLimitAndRefusedOverMaxPending() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    assertThat(CircuitBreaker.of(0, 0, 3, 0, counters).countsPendingRequests()).isFalse();
    assertThat(CircuitBreaker.of(2, 0, 0, 0, counters).countsPendingRequests()).isTrue();

    CircuitBreaker breaker = CircuitBreaker.of(0, 2, 0, 0, counters);
    assertThat(breaker.countsPendingRequests()).isTrue();
    assertThat(breaker.tryStartPending()).isTrue();
    assertThat(breaker.tryStartPending()).isTrue();
    assertThat(breaker.tryStartPending()).isFalse();
    assertThat(counters.pendingRequests()).isEqualTo(2);
    breaker.pendingEnded();
    assertThat(breaker.tryStartPending()).isTrue();
    breaker.pendingEnded();
    breaker.pendingEnded();
    assertThat(counters.pendingRequests()).isZero();
  }

  @Test
  void pendingWithoutMaxPendingIsCountedButNeverRefused() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker breaker = CircuitBreaker.of(1, 0, 0, 0, counters);
    for (int i = 0; i < 100; i++) {
      assertThat(breaker.tryStartPending()).isTrue();
    }
    assertThat(counters.pendingRequests()).isEqualTo(100);
  }

  @Test
  void aConnectionOverTheLimitIsCountedAndGivenBack() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker breaker = CircuitBreaker.of(1, 0, 0, 0, counters);
    assertThat(breaker.tryOpenConnection()).isTrue();
    breaker.openConnectionOverLimit();
    assertThat(counters.openConnections()).isEqualTo(2);
    breaker.connectionClosed();
    assertThat(breaker.tryOpenConnection()).as("still at the limit").isFalse();
    breaker.connectionClosed();
    assertThat(counters.openConnections()).isZero();
  }
}
