package dev.concierge.dataplane.upstream;

import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import java.util.Set;

/**
 * The one seam between the handler chain and the wire: carries one try of a request to the endpoint
 * {@link UpstreamHandler} chose and relays the response back, and reports how the try ended to
 * {@link UpstreamTry}, before anything is committed to the client when it failed. Nothing below
 * this seam writes an error answer, picks an endpoint, retries on another one or decides which
 * headers go upstream ({@link RequestRewrite} does); nothing above it knows which implementation
 * carried a request.
 *
 * <p>Implementations must not block and must report each try exactly once.
 */
public interface UpstreamTransport {
  /** Sends {@code attempt}. */
  void send(UpstreamTry attempt);

  /**
   * After a config swap: the upstream TLS policies of the runtime now in force. State a carrier
   * keeps per policy (clients, pools) for any other may go, once its requests in flight are done.
   */
  default void retainTls(Set<UpstreamTlsPolicy> inForce) {}
}
