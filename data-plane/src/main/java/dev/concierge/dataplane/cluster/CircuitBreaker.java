package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A cluster's compiled circuit breaker (Envoy's): per node, at most {@code maxRequests} requests,
 * {@code maxRetries} retries and {@code maxConnections} open upstream connections in flight, and at
 * most {@code maxPendingRequests} requests waiting for a connection while all are open; 0 is no
 * limit. Counted on the node-lifetime {@link CircuitBreakerCounters}. {@link #none()} (a cluster
 * without circuit breakers) and any unset limit count nothing: no atomic operation on the request
 * path.
 *
 * <p>A limit's holder gives back exactly what it took, on the breaker it took it from. Lock-free;
 * thread-safe.
 */
public final class CircuitBreaker {
  /** The limit of open connections, named as in the API and the overflow header. */
  public static final String MAX_CONNECTIONS = "max_connections";

  /** The limit of requests waiting for a connection. */
  public static final String MAX_PENDING_REQUESTS = "max_pending_requests";

  /** The limit of requests in flight. */
  public static final String MAX_REQUESTS = "max_requests";

  /** The limit of retries in flight. */
  public static final String MAX_RETRIES = "max_retries";

  private static final CircuitBreaker NONE = new CircuitBreaker(0, 0, 0, 0, null);

  /**
   * A request waiting for a connection. {@link #admit()} is called at most once, holding a
   * connection place that the waiter must give back (through the connection it opens).
   */
  public interface Waiter {
    /** A connection place is the waiter's now. Any thread; must not block. */
    void admit();
  }

  private final int maxConnections;
  private final int maxPendingRequests;
  private final int maxRequests;
  private final int maxRetries;
  private final CircuitBreakerCounters counters;

  private CircuitBreaker(
      int maxConnections,
      int maxPendingRequests,
      int maxRequests,
      int maxRetries,
      @Nullable CircuitBreakerCounters counters) {
    this.maxConnections = maxConnections;
    this.maxPendingRequests = maxPendingRequests;
    this.maxRequests = maxRequests;
    this.maxRetries = maxRetries;
    this.counters = counters == null ? new CircuitBreakerCounters() : counters;
  }

  /** The limits given, each 0 for none, counted on {@code counters}. */
  public static CircuitBreaker of(
      int maxConnections,
      int maxPendingRequests,
      int maxRequests,
      int maxRetries,
      CircuitBreakerCounters counters) {
    requireNonNull(counters, "counters");
    if (maxConnections < 0 || maxPendingRequests < 0 || maxRequests < 0 || maxRetries < 0) {
      throw new IllegalArgumentException("limits must not be negative");
    }
    if (maxConnections == 0 && maxPendingRequests == 0 && maxRequests == 0 && maxRetries == 0) {
      return NONE;
    }
    return new CircuitBreaker(
        maxConnections, maxPendingRequests, maxRequests, maxRetries, counters);
  }

  /** No limits. */
  public static CircuitBreaker none() {
    return NONE;
  }

  /** Whether open connections are limited (the transport then asks before it opens one). */
  public boolean limitsConnections() {
    return maxConnections != 0;
  }

  /** Takes a place for one request; false when max_requests are in flight (answer overflow). */
  public boolean tryStartRequest() {
    return maxRequests == 0 || tryAcquire(counters.requests, maxRequests);
  }

  /** The request that took a place ended. */
  public void requestEnded() {
    if (maxRequests != 0) {
      counters.requests.decrementAndGet();
    }
  }

  /** Takes a place for one retry; false when max_retries are in flight (make no retry then). */
  public boolean tryAcquireRetry() {
    return maxRetries == 0 || tryAcquire(counters.retries, maxRetries);
  }

  /** The retry that took a place ended. */
  public void retryEnded() {
    if (maxRetries != 0) {
      counters.retries.decrementAndGet();
    }
  }

  /**
   * Takes a place for one new connection; false when max_connections are open (then {@link
   * #enqueue} the request). Only when {@link #limitsConnections()}.
   */
  public boolean tryOpenConnection() {
    return tryAcquire(counters.connections, maxConnections);
  }

  /**
   * Takes a place for one new connection even when max_connections are open: an endpoint's first
   * connection, which Envoy allows so that no endpoint the balancer picks is starved. Given back
   * with {@link #connectionClosed()}. Only when {@link #limitsConnections()}.
   */
  public void openConnectionOverLimit() {
    counters.connections.incrementAndGet();
  }

  /**
   * A connection that held a place closed (or never opened): its place goes to the first waiter, if
   * any.
   */
  public void connectionClosed() {
    counters.connections.decrementAndGet();
    admitWaiters();
  }

  /**
   * Queues {@code waiter} for the next free connection place; false when max_pending_requests are
   * waiting already (answer overflow). It may be admitted before this returns.
   */
  public boolean enqueue(Waiter waiter) {
    int limit = maxPendingRequests == 0 ? Integer.MAX_VALUE : maxPendingRequests;
    if (!tryAcquire(counters.pending, limit)) {
      return false;
    }
    counters.waiters.add(waiter);
    admitWaiters(); // a place freed between the caller's refusal and the queueing
    return true;
  }

  /** Takes {@code waiter} out of the queue (it timed out); false when it was admitted already. */
  public boolean cancel(Waiter waiter) {
    if (counters.waiters.remove(waiter)) {
      counters.pending.decrementAndGet();
      return true;
    }
    return false;
  }

  /**
   * Whether a multiplexing transport counts its requests waiting for a connection or stream: when
   * max_pending_requests or max_connections is set. Otherwise {@link #tryStartPending} is not
   * called.
   */
  public boolean countsPendingRequests() {
    return maxPendingRequests != 0 || maxConnections != 0;
  }

  /**
   * Counts one request waiting for a connection or stream (HTTP/2: from its send until its stream
   * begins); false when max_pending_requests are waiting already (answer overflow). Only when
   * {@link #countsPendingRequests()}; the holder calls {@link #pendingEnded()} exactly once.
   */
  public boolean tryStartPending() {
    return tryAcquire(
        counters.pending, maxPendingRequests == 0 ? Integer.MAX_VALUE : maxPendingRequests);
  }

  /** The request counted by {@link #tryStartPending()} stopped waiting (it began, or failed). */
  public void pendingEnded() {
    counters.pending.decrementAndGet();
  }

  /** Whether requests wait for a connection: a connection going idle should close instead. */
  public boolean hasWaiters() {
    return !counters.waiters.isEmpty();
  }

  /** The counts this breaker is judged on. */
  public CircuitBreakerCounters counters() {
    return counters;
  }

  private void admitWaiters() {
    while (!counters.waiters.isEmpty() && tryOpenConnection()) {
      Waiter next = counters.waiters.poll();
      if (next == null) {
        counters.connections.decrementAndGet(); // taken by someone else meanwhile; look again
        continue;
      }
      counters.pending.decrementAndGet();
      next.admit();
    }
  }

  private static boolean tryAcquire(AtomicInteger count, int max) {
    while (true) {
      int now = count.get();
      if (now >= max) {
        return false;
      }
      if (count.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  @Override
  public String toString() {
    return this == NONE
        ? "no limits"
        : "max_connections="
            + maxConnections
            + " max_pending_requests="
            + maxPendingRequests
            + " max_requests="
            + maxRequests
            + " max_retries="
            + maxRetries;
  }
}
