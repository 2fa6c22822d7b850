package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.Meter;
import java.time.Duration;
import java.util.List;

/**
 * A cluster ready for traffic: its endpoints, balancer, connect timeout, meter and retry budget.
 * Immutable.
 */
public record CompiledCluster(
    String name,
    List<Endpoint> endpoints,
    LoadBalancer balancer,
    Duration connectTimeout,
    Meter meter,
    RetryLimiter retryBudget) {
  /** A cluster without a retry budget. */
  public CompiledCluster(
      String name,
      List<Endpoint> endpoints,
      LoadBalancer balancer,
      Duration connectTimeout,
      Meter meter) {
    this(name, endpoints, balancer, connectTimeout, meter, RetryLimiter.unlimited());
  }

  public CompiledCluster {
    requireNonNull(retryBudget, "retryBudget");
    requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    requireNonNull(balancer, "balancer");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(meter, "meter");
  }
}
