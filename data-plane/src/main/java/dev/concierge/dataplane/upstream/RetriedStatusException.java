package dev.concierge.dataplane.upstream;

import java.io.IOException;

/**
 * Ends a try whose response status {@link UpstreamTry#retryOnStatus} chose to retry: the transport
 * drops the response with this failure, which {@link UpstreamFailures} reports as {@link
 * UpstreamOutcome#STATUS}. No stack trace: it is control flow, not an error.
 */
public final class RetriedStatusException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;

  public RetriedStatusException(int status) {
    super("upstream answered " + status + "; tried again");
    this.status = status;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }

  /** The status that was dropped. */
  public int status() {
    return status;
  }
}
