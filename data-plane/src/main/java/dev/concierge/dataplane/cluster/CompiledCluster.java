package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.Meter;
import java.time.Duration;
import java.util.List;

/** A cluster ready for traffic: its endpoints, balancer, connect timeout and meter. Immutable. */
public record CompiledCluster(
    String name,
    List<Endpoint> endpoints,
    LoadBalancer balancer,
    Duration connectTimeout,
    Meter meter) {
  public CompiledCluster {
    requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    requireNonNull(balancer, "balancer");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(meter, "meter");
  }
}
