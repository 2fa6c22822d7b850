package dev.concierge.dataplane.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-lifetime state of one cluster: its balancer position, its retry-budget counts and the
 * state of each endpoint by address ("host:port"), so all survive config swaps. Thread-safe.
 */
public final class ClusterState {
  private final AtomicLong position = new AtomicLong();
  private final ConcurrentHashMap<String, EndpointState> endpoints = new ConcurrentHashMap<>();
  private final RetryBudgetCounters retryBudget = new RetryBudgetCounters();

  /** Where round robin goes next; shared by every runtime's balancer of this cluster. */
  public AtomicLong position() {
    return position;
  }

  /** Requests and retries in flight, which the cluster's retry budget is judged on. */
  public RetryBudgetCounters retryBudget() {
    return retryBudget;
  }

  /** The state of the endpoint at {@code address}, made on first use. */
  public EndpointState endpoint(String address) {
    return endpoints.computeIfAbsent(address, k -> new EndpointState());
  }

  /** Forgets endpoints not named. */
  void retain(Set<String> addresses) {
    endpoints.keySet().retainAll(addresses);
  }
}
