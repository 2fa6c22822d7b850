package dev.concierge.dataplane.upstream;

import java.net.UnknownHostException;

/**
 * A try's endpoint host name has no address yet (its lookup has not succeeded): the transport fails
 * the try at once with this, which {@link UpstreamFailures} reports as {@link
 * UpstreamOutcome#UNRESOLVED}.
 */
public final class UnresolvedHostException extends UnknownHostException {
  private static final long serialVersionUID = 1L;

  public UnresolvedHostException(String host) {
    super("upstream host not resolved: " + host);
  }
}
