package dev.concierge.dataplane.metrics;

import static java.util.Objects.requireNonNull;

/**
 * The downstream connections of one proxy listener at scrape time.
 *
 * @param listener "http" or "https"
 * @param open connections open now
 * @param accepted connections accepted since the node started
 */
public record ListenerConnections(String listener, long open, long accepted) {
  public ListenerConnections {
    requireNonNull(listener, "listener");
  }
}
