package dev.concierge.dataplane.chain;

/**
 * Where the stats stage counts the answers of one route, one cluster or the unrouted requests.
 * Implementations are node-lifetime objects, resolved when a runtime is compiled, and record
 * without locks or allocation. Thread-safe.
 */
public interface Meter {
  /**
   * One answer: the request's method, its status, the time from the start of handling to its end,
   * and its retries.
   */
  void record(MethodClass method, int status, long latencyNanos, int retries);

  /** One answer to a request whose method is not known (tests, tools). */
  default void record(int status, long latencyNanos, int retries) {
    record(MethodClass.OTHER, status, latencyNanos, retries);
  }

  /** The body bytes one request read from the client and its answer wrote to it. */
  default void bytes(long received, long sent) {}

  /** One upstream try that got no response (refused, reset, timed out). */
  void upstreamFailure();

  /** One retry not made because the cluster's retry budget was used up. */
  default void retryBudgetExhausted() {}

  /** One request answered 503 at once because a circuit-breaker limit of the cluster was hit. */
  default void circuitBreakerOverflow() {}

  /** A meter that counts nothing. */
  static Meter none() {
    return NoMeter.INSTANCE;
  }

  /** The meter that counts nothing. */
  enum NoMeter implements Meter {
    INSTANCE;

    @Override
    public void record(MethodClass method, int status, long latencyNanos, int retries) {}

    @Override
    public void upstreamFailure() {}
  }
}
