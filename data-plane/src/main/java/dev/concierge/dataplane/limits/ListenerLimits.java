package dev.concierge.dataplane.limits;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.ConnectionLimits;
import dev.concierge.api.v1.Policy;

/**
 * The connection-limits policy in force, compiled from a snapshot: each limit 0 when off. Checked
 * by the shared rules before it gets here (one such policy at most, a fleet default).
 *
 * @param maxConnectionsPerAddress connections one client address may hold open on the node
 * @param maxConnections connections the node holds open over all its listeners
 * @param maxRequestsPerConnection requests one HTTP/1.1 connection carries before it is closed
 * @param maxHeaderCount header fields of one HTTP/1.1 request
 * @param maxHeaderBytes bytes of one HTTP/1.1 request line and header block (0: Jetty's 8 KiB)
 * @param maxUriLength characters of one HTTP/1.1 request target
 */
public record ListenerLimits(
    int maxConnectionsPerAddress,
    int maxConnections,
    int maxRequestsPerConnection,
    int maxHeaderCount,
    int maxHeaderBytes,
    int maxUriLength) {
  /** No policy: the node as without one. */
  public static final ListenerLimits NONE = new ListenerLimits(0, 0, 0, 0, 0, 0);

  public ListenerLimits {
    if (maxConnectionsPerAddress < 0
        || maxConnections < 0
        || maxRequestsPerConnection < 0
        || maxHeaderCount < 0
        || maxHeaderBytes < 0
        || maxUriLength < 0) {
      throw new IllegalArgumentException("limits must not be negative");
    }
  }

  /** The limits of {@code snapshot}'s connection-limits policy, or {@link #NONE}. */
  public static ListenerLimits of(ConfigSnapshot snapshot) {
    for (Policy policy : snapshot.getPoliciesList()) {
      if (policy.getKindCase() == Policy.KindCase.CONNECTION_LIMITS) {
        return of(policy.getConnectionLimits());
      }
    }
    return NONE;
  }

  /** {@code limits} as the node applies them; values past int range (refused by the rules) cap. */
  public static ListenerLimits of(ConnectionLimits limits) {
    ListenerLimits compiled =
        new ListenerLimits(
            capped(limits.getMaxConnectionsPerAddress()),
            capped(limits.getMaxConnections()),
            capped(limits.getMaxRequestsPerConnection()),
            capped(limits.getMaxHeaderCount()),
            capped(limits.getMaxHeaderBytes()),
            capped(limits.getMaxUriLength()));
    return compiled.equals(NONE) ? NONE : compiled;
  }

  private static int capped(int unsigned) {
    return unsigned < 0 ? Integer.MAX_VALUE : unsigned;
  }

  /**
   * Whether an HTTP/1.1 connection has anything to judge: requests per connection, header count or
   * URI length (header bytes alone is Jetty's parser limit and needs no hook).
   */
  public boolean judgesRequests() {
    return maxRequestsPerConnection > 0 || maxHeaderCount > 0 || maxUriLength > 0;
  }
}
