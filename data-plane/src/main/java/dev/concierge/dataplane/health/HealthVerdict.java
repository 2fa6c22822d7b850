package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.EndpointState;

/**
 * The threshold state machine of one endpoint: counts passed and failed checks in a row and writes
 * the verdict into the endpoint's {@link EndpointState}.
 *
 * <p>An endpoint never checked is "unknown" and takes traffic (its state starts healthy), so a node
 * that starts, or a new endpoint, serves at once; its first result acts at once, without the
 * thresholds (as Envoy judges a new host by its first check): a failure takes it out, a pass makes
 * it known healthy. From then on it becomes unhealthy after {@code unhealthyThreshold} failures in
 * a row, and healthy again after {@code healthyThreshold} passes in a row. A passed check also ends
 * a passive ejection in force ({@link EndpointState#checkPassed}). Not thread-safe: an endpoint has
 * at most one check in flight, and each result is recorded after the previous one.
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
    if (!state.isChecked()) {
      state.firstCheckDone();
      passes = 0;
      failures = 0;
      if (passed) {
        state.checkPassed();
        if (state.isHealthy()) {
          return Change.NONE;
        }
        state.setHealthy(true);
        return Change.BECAME_HEALTHY;
      }
      if (!state.isHealthy()) {
        return Change.NONE;
      }
      state.setHealthy(false);
      return Change.BECAME_UNHEALTHY;
    }
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
