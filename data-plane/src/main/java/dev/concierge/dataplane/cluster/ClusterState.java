package dev.concierge.dataplane.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node-lifetime state of one cluster: its balancer position and the state of each endpoint by
 * address ("host:port"), so both survive config swaps. Thread-safe.
 */
public final class ClusterState {
  private final AtomicLong position = new AtomicLong();
  private final ConcurrentHashMap<String, EndpointState> endpoints = new ConcurrentHashMap<>();

  /** Where round robin goes next; shared by every runtime's balancer of this cluster. */
  public AtomicLong position() {
    return position;
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
