package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

/**
 * A try a transport did not make because a circuit-breaker limit of the cluster was reached;
 * reported as {@link UpstreamOutcome#OVERFLOW}. Carries no stack trace: it is an answer, not a bug.
 */
public final class CircuitBreakerOverflowException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String limit;

  /** Over {@code limit}, a name of {@link dev.concierge.dataplane.cluster.CircuitBreaker}. */
  public CircuitBreakerOverflowException(String limit) {
    super("circuit breaker: " + limit + " reached", null, false, false);
    this.limit = requireNonNull(limit, "limit");
  }

  /** The limit's name, e.g. {@code max_pending_requests}. */
  public String limit() {
    return limit;
  }
}
