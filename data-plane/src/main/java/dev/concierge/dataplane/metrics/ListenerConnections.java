package dev.concierge.dataplane.metrics;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.limits.Refusal;
import java.util.Map;

/**
 * The downstream connections of one proxy listener at scrape time.
 *
 * @param listener "http" or "https"
 * @param open connections open now
 * @param accepted connections accepted since the node started
 * @param refused connections and requests the listener's limits turned away since the node started,
 *     by reason (a reason absent counts 0)
 */
public record ListenerConnections(
    String listener, long open, long accepted, Map<Refusal, Long> refused) {
  public ListenerConnections {
    requireNonNull(listener, "listener");
    refused = Map.copyOf(refused);
  }

  /** A listener that turned nothing away. */
  public ListenerConnections(String listener, long open, long accepted) {
    this(listener, open, accepted, Map.of());
  }

  /** The refusals for {@code why}. */
  public long refused(Refusal why) {
    return refused.getOrDefault(why, 0L);
  }
}
