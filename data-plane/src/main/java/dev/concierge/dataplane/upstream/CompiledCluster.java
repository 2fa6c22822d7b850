package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;

/** A cluster ready for traffic: its endpoints, balancer and connect timeout. Immutable. */
public record CompiledCluster(
    String name, List<Endpoint> endpoints, LoadBalancer balancer, Duration connectTimeout) {
  public CompiledCluster {
    requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    requireNonNull(balancer, "balancer");
    requireNonNull(connectTimeout, "connectTimeout");
  }
}
