package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.Endpoint;
import org.jspecify.annotations.Nullable;

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
    /**
     * The check ended: {@code failure} says why it failed ("connection refused", "status 503"), or
     * is {@code null} when it passed.
     */
    void ended(@Nullable String failure);

    /** The check ended with no more to say than whether it passed. */
    default void passed(boolean passed) {
      ended(passed ? null : "check failed");
    }
  }

  /** A short description of why a check failed: the cause's class and message. */
  static String describe(@Nullable Throwable failure) {
    if (failure == null) {
      return "check failed";
    }
    String message = failure.getMessage();
    String kind = failure.getClass().getSimpleName();
    return message == null ? kind : kind + ": " + message;
  }
}
