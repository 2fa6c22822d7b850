package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.Meter;
import java.time.Duration;
import java.util.List;

/**
 * A cluster ready for traffic: its endpoints, balancer, connect timeout, meter and the protocol its
 * endpoints speak. Immutable.
 */
public record CompiledCluster(
    String name,
    List<Endpoint> endpoints,
    LoadBalancer balancer,
    Duration connectTimeout,
    Meter meter,
    UpstreamProtocol protocol) {
  public CompiledCluster {
    requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    requireNonNull(balancer, "balancer");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(meter, "meter");
    requireNonNull(protocol, "protocol");
  }

  /** An HTTP/1.1 cluster. */
  public CompiledCluster(
      String name,
      List<Endpoint> endpoints,
      LoadBalancer balancer,
      Duration connectTimeout,
      Meter meter) {
    this(name, endpoints, balancer, connectTimeout, meter, UpstreamProtocol.HTTP1);
  }
}
