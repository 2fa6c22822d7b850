package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.Cluster;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CircuitBreakerRulesTest {
  private static List<String> violations(CircuitBreakers.Builder breakers) {
    List<String> found = new ArrayList<>();
    Cluster cluster = Cluster.newBuilder().setCircuitBreakers(breakers).build();
    CircuitBreakerRules.check(cluster, "cluster", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void acceptsNoLimitsAndLimitsUpToAMillion() {
    assertThat(violations(CircuitBreakers.newBuilder())).isEmpty();
    assertThat(
            violations(
                CircuitBreakers.newBuilder()
                    .setMaxConnections(1_000_000)
                    .setMaxPendingRequests(1)
                    .setMaxRequests(1)
                    .setMaxRetries(1_000_000)))
        .isEmpty();
  }

  @Test
  void rejectsLimitsAboveAMillionWithTheirFieldPaths() {
    assertThat(
            violations(
                CircuitBreakers.newBuilder()
                    .setMaxConnections(1_000_001)
                    .setMaxPendingRequests(-1)
                    .setMaxRequests(2_000_000)
                    .setMaxRetries(1_000_001)))
        .containsExactly(
            "cluster.circuit_breakers.max_connections: must be at most 1000000 (0 means no limit),"
                + " not 1000001",
            "cluster.circuit_breakers.max_pending_requests: must be at most 1000000 (0 means no"
                + " limit), not 4294967295",
            "cluster.circuit_breakers.max_requests: must be at most 1000000 (0 means no limit),"
                + " not 2000000",
            "cluster.circuit_breakers.max_retries: must be at most 1000000 (0 means no limit),"
                + " not 1000001");
  }

  @Test
  void rejectsPendingRequestsWithoutAConnectionLimit() {
    assertThat(violations(CircuitBreakers.newBuilder().setMaxPendingRequests(5)))
        .containsExactly("cluster.circuit_breakers.max_pending_requests: needs max_connections");
  }
}
