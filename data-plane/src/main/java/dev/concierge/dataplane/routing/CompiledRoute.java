package dev.concierge.dataplane.routing;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.upstream.ClusterSplit;
import java.time.Duration;
import java.util.List;

/**
 * A route ready for matching and forwarding. Immutable.
 *
 * @param name resource name, {@code routes/{id}}
 * @param hosts lower-case host patterns (exact or {@code *.suffix}); empty means any host
 * @param pathKind which path predicate applies
 * @param path the exact path or prefix; empty when {@code pathKind} is {@link PathKind#ANY}
 * @param split the weighted clusters to forward to
 * @param timeout time allowed from sending upstream to the end of the response
 */
public record CompiledRoute(
    String name,
    List<String> hosts,
    PathKind pathKind,
    String path,
    ClusterSplit split,
    Duration timeout) {

  /** The path predicate of a route. */
  public enum PathKind {
    /** No path predicate. */
    ANY,
    /** The canonical path equals {@code path}. */
    EXACT,
    /** The canonical path starts with {@code path} (plain string prefix). */
    PREFIX
  }

  public CompiledRoute {
    requireNonNull(name, "name");
    hosts = List.copyOf(hosts);
    requireNonNull(pathKind, "pathKind");
    requireNonNull(path, "path");
    requireNonNull(split, "split");
    requireNonNull(timeout, "timeout");
  }

  boolean matchesPath(String canonicalPath) {
    return switch (pathKind) {
      case ANY -> true;
      case EXACT -> path.equals(canonicalPath);
      case PREFIX -> canonicalPath.startsWith(path);
    };
  }
}
