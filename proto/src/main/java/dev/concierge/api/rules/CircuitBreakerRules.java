package dev.concierge.api.rules;

import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.Cluster;

/** The rules of a cluster's circuit breakers: each limit 0 (none) to {@value #MAX_LIMIT}. */
public final class CircuitBreakerRules {
  /** The highest limit a circuit breaker takes. */
  public static final int MAX_LIMIT = 1_000_000;

  private CircuitBreakerRules() {}

  /** Tells {@code sink} every broken field of {@code cluster}'s circuit breakers. */
  public static void check(Cluster cluster, String prefix, ViolationSink sink) {
    if (!cluster.hasCircuitBreakers()) {
      return;
    }
    CircuitBreakers breakers = cluster.getCircuitBreakers();
    String field = prefix + ".circuit_breakers";
    limit(breakers.getMaxConnections(), field + ".max_connections", sink);
    limit(breakers.getMaxPendingRequests(), field + ".max_pending_requests", sink);
    limit(breakers.getMaxRequests(), field + ".max_requests", sink);
    limit(breakers.getMaxRetries(), field + ".max_retries", sink);
    if (breakers.getMaxPendingRequests() != 0 && breakers.getMaxConnections() == 0) {
      // Requests wait for a connection only when connections are limited.
      sink.add(field + ".max_pending_requests", "needs max_connections");
    }
  }

  private static void limit(int value, String field, ViolationSink sink) {
    FieldChecks.atMost(
        Integer.toUnsignedLong(value), MAX_LIMIT, MAX_LIMIT + " (0 means no limit)", field, sink);
  }
}
