package dev.concierge.dataplane.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The node-lifetime state of one cluster: its round-robin positions (one per priority level), its
 * retry-budget and circuit-breaker counts, the state of each endpoint by address ("host:port"), and
 * the version of their availability, so all survive config swaps. Thread-safe.
 */
public final class ClusterState {
  private final ConcurrentHashMap<Integer, AtomicLong> positions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, EndpointState> endpoints = new ConcurrentHashMap<>();
  private final AtomicInteger availability = new AtomicInteger();
  private final LongSupplier nanoClock;
  private final RetryBudgetCounters retryBudget = new RetryBudgetCounters();
  private final CircuitBreakerCounters circuitBreaker = new CircuitBreakerCounters();
  private volatile boolean settled;

  /** A state on the system clock. */
  public ClusterState() {
    this(System::nanoTime);
  }

  /** A state whose endpoints time their ejections on {@code nanoClock} (tests). */
  public ClusterState(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** Where round robin goes next at the highest priority; see {@link #position(int)}. */
  public AtomicLong position() {
    return position(0);
  }

  /** Where round robin goes next at {@code priority}; shared by every runtime's balancer. */
  public AtomicLong position(int priority) {
    return positions.computeIfAbsent(priority, k -> new AtomicLong());
  }

  /** Requests and retries in flight, which the cluster's retry budget is judged on. */
  public RetryBudgetCounters retryBudget() {
    return retryBudget;
  }

  /** Requests, retries and connections in flight, which the circuit breaker is judged on. */
  public CircuitBreakerCounters circuitBreaker() {
    return circuitBreaker;
  }

  /** The state of the endpoint at {@code address}, made on first use. */
  public EndpointState endpoint(String address) {
    return endpoints.computeIfAbsent(address, this::newEndpoint);
  }

  private EndpointState newEndpoint(String address) {
    EndpointState state = new EndpointState(availability, nanoClock);
    if (settled) {
      state.startRamp(); // slow start, as Envoy: not at node start nor in a new cluster
    }
    return state;
  }

  /**
   * The cluster's first config has been compiled: endpoints that join from now on begin a slow
   * start ramp (when the cluster has one).
   */
  public void settle() {
    settled = true;
  }

  /** The state of the endpoint at {@code address}, or null when there is none. */
  @Nullable EndpointState find(String address) {
    return endpoints.get(address);
  }

  /** Calls {@code action} with each endpoint's address and state (reporting, metrics). */
  public void forEachEndpoint(BiConsumer<String, EndpointState> action) {
    endpoints.forEach(action);
  }

  /** Bumped whenever an endpoint of the cluster becomes available or unavailable. */
  AtomicInteger availability() {
    return availability;
  }

  /** The clock its endpoints' ejections run on. */
  LongSupplier nanoClock() {
    return nanoClock;
  }

  /** Forgets endpoints not named. */
  void retain(Set<String> addresses) {
    endpoints.keySet().retainAll(addresses);
  }
}
