package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.Meter;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A cluster ready for traffic: its endpoints, balancer, what the balancer takes from a request,
 * connect timeout, meter, retry budget, the protocol its endpoints speak, its circuit breaker, its
 * outlier detection, and its TLS to the endpoints (null: plain text). Immutable.
 */
public record CompiledCluster(
    String name,
    List<Endpoint> endpoints,
    LoadBalancer balancer,
    RequestHash requestHash,
    Duration connectTimeout,
    Meter meter,
    RetryLimiter retryBudget,
    UpstreamProtocol protocol,
    CircuitBreaker breaker,
    OutlierDetector outliers,
    @Nullable UpstreamTlsPolicy tls) {
  public CompiledCluster {
    requireNonNull(breaker, "breaker");
    requireNonNull(outliers, "outliers");
    requireNonNull(retryBudget, "retryBudget");
    requireNonNull(name, "name");
    endpoints = List.copyOf(endpoints);
    requireNonNull(balancer, "balancer");
    requireNonNull(requestHash, "requestHash");
    requireNonNull(connectTimeout, "connectTimeout");
    requireNonNull(meter, "meter");
    requireNonNull(protocol, "protocol");
  }

  /** A cluster whose endpoints speak plain text. */
  public CompiledCluster(
      String name,
      List<Endpoint> endpoints,
      LoadBalancer balancer,
      RequestHash requestHash,
      Duration connectTimeout,
      Meter meter,
      RetryLimiter retryBudget,
      UpstreamProtocol protocol,
      CircuitBreaker breaker,
      OutlierDetector outliers) {
    this(
        name,
        endpoints,
        balancer,
        requestHash,
        connectTimeout,
        meter,
        retryBudget,
        protocol,
        breaker,
        outliers,
        null);
  }

  /** A cluster with the default outlier detection (connection failures only). */
  public CompiledCluster(
      String name,
      List<Endpoint> endpoints,
      LoadBalancer balancer,
      RequestHash requestHash,
      Duration connectTimeout,
      Meter meter,
      RetryLimiter retryBudget,
      UpstreamProtocol protocol,
      CircuitBreaker breaker) {
    this(
        name,
        endpoints,
        balancer,
        requestHash,
        connectTimeout,
        meter,
        retryBudget,
        protocol,
        breaker,
        new OutlierDetector(name, OutlierPolicy.CONNECTION_FAILURES_ONLY, endpoints, new Object()));
  }

  /** A cluster without circuit breakers. */
  public CompiledCluster(
      String name,
      List<Endpoint> endpoints,
      LoadBalancer balancer,
      RequestHash requestHash,
      Duration connectTimeout,
      Meter meter,
      RetryLimiter retryBudget,
      UpstreamProtocol protocol) {
    this(
        name,
        endpoints,
        balancer,
        requestHash,
        connectTimeout,
        meter,
        retryBudget,
        protocol,
        CircuitBreaker.none());
  }

  /**
   * A cluster whose balancer takes nothing from the request (round robin over one level) and that
   * has no retry budget, over HTTP/1.1.
   */
  public CompiledCluster(
      String name,
      List<Endpoint> endpoints,
      LoadBalancer balancer,
      Duration connectTimeout,
      Meter meter) {
    this(
        name,
        endpoints,
        balancer,
        RequestHash.none(),
        connectTimeout,
        meter,
        RetryLimiter.unlimited(),
        UpstreamProtocol.HTTP1);
  }
}
