package dev.concierge.dataplane.cluster;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node-lifetime counts a cluster's circuit breaker is judged on: requests, retries and open
 * connections in flight, and the requests waiting for a connection. Kept on {@link ClusterState},
 * so they survive config swaps; only the limits a cluster sets are counted. Lock-free; thread-safe.
 */
public final class CircuitBreakerCounters {
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger retries = new AtomicInteger();
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger pending = new AtomicInteger();
  final ConcurrentLinkedQueue<CircuitBreaker.Waiter> waiters = new ConcurrentLinkedQueue<>();

  /** Requests in flight (counted while max_requests is set). */
  public int requestsInFlight() {
    return requests.get();
  }

  /** Retries in flight (counted while max_retries is set). */
  public int retriesInFlight() {
    return retries.get();
  }

  /** Open upstream connections (counted while max_connections is set). */
  public int openConnections() {
    return connections.get();
  }

  /** Requests waiting for a connection. */
  public int pendingRequests() {
    return pending.get();
  }
}
