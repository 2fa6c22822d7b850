package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.EndpointState;

/**
 * The threshold state machine of one endpoint: counts passed and failed checks in a row and writes
 * the verdict into the endpoint's {@link EndpointState}.
 *
 * <p>An endpoint never checked is "unknown" and takes traffic (its state starts healthy), so a node
 * that starts, or a new endpoint, serves at once; it becomes unhealthy only after {@code
 * unhealthyThreshold} failures in a row, as one already checked healthy (Envoy's behaviour once an
 * endpoint is in service). An unhealthy endpoint becomes healthy after {@code healthyThreshold}
 * passes in a row. A passed check also ends a passive ejection in force ({@link
 * EndpointState#checkPassed}). Not thread-safe: an endpoint has at most one check in flight, and
 * each result is recorded after the previous one.
 */
final class HealthVerdict {
  /** What a result changed. */
  enum Change {
    NONE,
    BECAME_HEALTHY,
    BECAME_UNHEALTHY
  }

  private final EndpointState state;
  private int passes;
  private int failures;

  HealthVerdict(EndpointState state) {
    this.state = state;
  }

  /** The endpoint's state this verdict writes. */
  EndpointState state() {
    return state;
  }

  /** Records one check result under {@code policy}'s thresholds. */
  Change record(boolean passed, HealthCheckPolicy policy) {
    if (passed) {
      failures = 0;
      state.checkPassed();
      if (state.isHealthy()) {
        return Change.NONE;
      }
      if (++passes < policy.healthyThreshold()) {
        return Change.NONE;
      }
      passes = 0;
      state.setHealthy(true);
      return Change.BECAME_HEALTHY;
    }
    passes = 0;
    if (!state.isHealthy()) {
      return Change.NONE;
    }
    if (++failures < policy.unhealthyThreshold()) {
      return Change.NONE;
    }
    failures = 0;
    state.setHealthy(false);
    return Change.BECAME_UNHEALTHY;
  }
}
