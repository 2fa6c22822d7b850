package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.Endpoint;

/**
 * Runs one check of one endpoint without blocking the caller, and reports its result exactly once,
 * on any thread, within about the policy's timeout.
 */
interface Prober {
  /** Checks {@code endpoint} as {@code policy} says; {@code done} gets whether it passed. */
  void probe(Endpoint endpoint, HealthCheckPolicy policy, Result done);

  /** Receives a check's result. */
  @FunctionalInterface
  interface Result {
    /** Whether the check passed. */
    void passed(boolean passed);
  }
}
