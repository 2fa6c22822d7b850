package dev.concierge.dataplane.chain;

/**
 * What the node does with each request once it completed, besides counting it: the access log, the
 * span export. Called by {@link RequestContext} on the thread that completes the request, exactly
 * once per request; an implementation must return at once (no I/O, no locks). Thread-safe.
 */
public interface RequestLog {
  /** A log that records nothing. */
  static RequestLog none() {
    return (context, status, durationNanos) -> {};
  }

  /** This log, then {@code next}: both are told of every request, in that order. */
  default RequestLog andThen(RequestLog next) {
    return (context, status, durationNanos) -> {
      completed(context, status, durationNanos);
      next.completed(context, status, durationNanos);
    };
  }

  /**
   * {@code context} completed with {@code status} after {@code durationNanos}.
   *
   * @param status the status sent, 500 for a failure answered by Jetty's error handler
   */
  void completed(RequestContext context, int status, long durationNanos);
}
