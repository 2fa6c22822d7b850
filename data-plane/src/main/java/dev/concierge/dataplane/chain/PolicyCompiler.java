package dev.concierge.dataplane.chain;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Route;
import org.jspecify.annotations.Nullable;

/**
 * Compiles one kind of per-route policy from a route of the snapshot (Envoy's filter config
 * factory). The runtime compiler runs every compiler of its list for every route, after the
 * snapshot passed the shared rules ({@code dev.concierge.api.rules}): a compiler never checks
 * fields itself (the control plane runs the same rules before it stores a write), and returns
 * {@code null} for a route that does not configure its kind (the key's null object then applies).
 * Implementations are stateless or immutable, and thread-safe.
 */
public interface PolicyCompiler<P> {
  /** The kind this compiler produces. */
  PolicyKey<P> key();

  /**
   * The compiled policy of {@code route}, which kept the shared rules, or {@code null} for none.
   */
  @Nullable P compile(Route route);

  /**
   * The compiler for the routes of {@code snapshot}: a kind whose routes name shared resources (the
   * snapshot's policies) compiles those once here, for every route that names them. The default
   * needs nothing of the snapshot.
   */
  default PolicyCompiler<P> forSnapshot(ConfigSnapshot snapshot) {
    return this;
  }
}
