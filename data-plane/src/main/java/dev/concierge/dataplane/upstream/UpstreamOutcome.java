package dev.concierge.dataplane.upstream;

/** How a try at an upstream endpoint ended without a response, as the transport reports it. */
public enum UpstreamOutcome {
  /** The connection was refused (or could not be opened at all): nothing was sent. */
  REFUSED,
  /** The connection was not open within the cluster's connect timeout: nothing was sent. */
  CONNECT_TIMEOUT,
  /**
   * The TLS handshake with the endpoint failed (untrusted or expired certificate, a name it does
   * not carry, no common protocol): nothing was sent.
   */
  HANDSHAKE,
  /** The connection was reset or closed before any response byte. */
  RESET,
  /** No (complete) response head within the route's timeout. */
  TIMEOUT,
  /** The endpoint's host name has no address (yet): nothing was sent. */
  UNRESOLVED,
  /**
   * The endpoint answered a status {@link UpstreamTry#retryOnStatus} asked to retry: the transport
   * dropped that response (and its connection) before anything reached the client.
   */
  STATUS,
  /**
   * The cluster's circuit breaker refused the try before anything was sent (the transport's
   * max_pending_requests): answered 503 at once, never retried.
   */
  OVERFLOW,
  /** Anything else, e.g. a response head the node rejects. */
  ERROR;

  /** Whether nothing of the request reached the endpoint, so any method may be tried again. */
  public boolean nothingSent() {
    return this == REFUSED || this == CONNECT_TIMEOUT || this == UNRESOLVED || this == HANDSHAKE;
  }
}
