package dev.concierge.dataplane.cluster;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node-lifetime counts a cluster's retry budget is judged on: its requests in flight and its
 * retries in flight. Kept on {@link ClusterState}, so they survive config swaps. Lock-free;
 * thread-safe.
 */
public final class RetryBudgetCounters {
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger retries = new AtomicInteger();

  /** Requests to the cluster in flight (those started under a budget). */
  public int requestsInFlight() {
    return requests.get();
  }

  /** Retries to the cluster in flight. */
  public int retriesInFlight() {
    return retries.get();
  }
}
