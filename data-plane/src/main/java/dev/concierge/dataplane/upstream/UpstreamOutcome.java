package dev.concierge.dataplane.upstream;

/** How an exchange with an upstream endpoint ended, as the transport reports it. */
public enum UpstreamOutcome {
  /** Upstream answered; its response was relayed (even if the client then went away). */
  RESPONSE,
  /** The connection was refused. */
  REFUSED,
  /** The connection was reset or closed before any response. */
  RESET,
  /** Connect, idle or route timeout. */
  TIMEOUT,
  /** Any other failure. */
  ERROR;

  /** Whether the request got no usable response from upstream. */
  public boolean isFailure() {
    return this != RESPONSE;
  }
}
