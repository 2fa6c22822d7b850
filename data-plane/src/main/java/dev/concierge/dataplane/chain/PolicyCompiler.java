package dev.concierge.dataplane.chain;

import dev.concierge.api.v1.Route;
import java.util.function.Consumer;

/**
 * Compiles one kind of per-route policy from a route of the snapshot (Envoy's filter config
 * factory). The runtime compiler runs every compiler of its list for every route; a compiler
 * returns {@code null} for a route that does not configure its kind (the key's null object then
 * applies). Implementations are stateless or immutable, and thread-safe.
 */
public interface PolicyCompiler<P> {
  /** The kind this compiler produces. */
  PolicyKey<P> key();

  /**
   * The compiled policy of {@code route}, or {@code null} for none.
   *
   * @param problems told each problem as {@code "field: what is wrong"}; the route is then
   *     rejected, whatever this returns
   */
  P compile(Route route, Consumer<String> problems);
}
