package dev.concierge.api.rules;

/**
 * Told each broken field of a config, as a path ({@code "route.match.hosts[0]"}) and why; the
 * control plane turns these into a gRPC BadRequest, a node into its NACK.
 */
@FunctionalInterface
public interface ViolationSink {
  /** Records that {@code field} is bad, and why. */
  void add(String field, String description);
}
