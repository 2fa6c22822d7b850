package dev.concierge.dataplane.buffering;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.PolicyKey;

/**
 * How a route takes in request bodies. Immutable.
 *
 * @param mode buffer the whole body first, or stream it upstream as it arrives
 * @param maxBytes largest accepted body; 0: the node's limit when buffering, none when streaming
 */
public record BufferingPolicy(Mode mode, long maxBytes) {
  private static final BufferingPolicy DEFAULT = new BufferingPolicy(Mode.BUFFER, 0);

  /** The policy kind; a route without one buffers within the node's limits. */
  public static final PolicyKey<BufferingPolicy> KEY =
      PolicyKey.of("request_body", BufferingPolicy.class, DEFAULT);

  /** Buffer or stream. */
  public enum Mode {
    /** Read the whole body (memory, then a file) before going upstream; replayable on a retry. */
    BUFFER,
    /** Relay the body as it arrives; a try that read part of it is never retried. */
    STREAM
  }

  public BufferingPolicy {
    requireNonNull(mode, "mode");
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0: " + maxBytes);
    }
  }

  /** Buffering within the node's limits. */
  public static BufferingPolicy defaults() {
    return DEFAULT;
  }
}
