package dev.concierge.dataplane.routing;

import static java.util.Objects.requireNonNull;

import com.google.re2j.Pattern;
import dev.concierge.dataplane.chain.Meter;
import dev.concierge.dataplane.chain.PolicySet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A route ready for matching: its host patterns and path for the index, the predicates that decide
 * among the candidates, and what the later stages read (its policies and meter). Immutable.
 *
 * @param name resource name, {@code routes/{id}}
 * @param hosts lower-case host patterns (exact or {@code *.suffix}); empty means any host
 * @param pathKind which path predicate applies
 * @param path the exact path, prefix or regex; empty when {@code pathKind} is {@link PathKind#ANY}
 * @param predicates further tests of the request, all of which must hold
 * @param policies the compiled per-route policies, one per kind
 * @param meter where the stats stage counts the route's answers
 * @param priority the explicit priority: higher first among routes of equal specificity
 * @param pathRegex the compiled {@code path} when {@code pathKind} is {@link PathKind#REGEX}, else
 *     null
 */
public record CompiledRoute(
    String name,
    List<String> hosts,
    PathKind pathKind,
    String path,
    List<RequestPredicate> predicates,
    PolicySet policies,
    Meter meter,
    int priority,
    @Nullable Pattern pathRegex) {

  /** The path predicate of a route. */
  public enum PathKind {
    /** No path predicate. */
    ANY,
    /** The canonical path equals {@code path}. */
    EXACT,
    /**
     * The canonical path is {@code path} or continues it with a new segment ("/" follows); a prefix
     * ending in "/" matches any continuation.
     */
    SEGMENT_PREFIX,
    /** The canonical path starts with {@code path} (plain string prefix). */
    STRING_PREFIX,
    /** The whole canonical path matches the RE2 expression {@code path}. */
    REGEX
  }

  public CompiledRoute {
    requireNonNull(name, "name");
    hosts = List.copyOf(hosts);
    requireNonNull(pathKind, "pathKind");
    requireNonNull(path, "path");
    predicates = List.copyOf(predicates);
    requireNonNull(policies, "policies");
    requireNonNull(meter, "meter");
    if ((pathKind == PathKind.REGEX) != (pathRegex != null)) {
      throw new IllegalArgumentException("a compiled regex goes with PathKind.REGEX only");
    }
  }

  /** A route with only host and path (tests and tools): no predicates, no policies. */
  public static CompiledRoute of(String name, List<String> hosts, PathKind kind, String path) {
    return new CompiledRoute(
        name,
        hosts,
        kind,
        path,
        List.of(),
        PolicySet.empty(),
        Meter.none(),
        0,
        kind == PathKind.REGEX ? Pattern.compile(path) : null);
  }

  boolean matchesPath(String canonicalPath) {
    return switch (pathKind) {
      case ANY -> true;
      case EXACT -> path.equals(canonicalPath);
      case STRING_PREFIX -> canonicalPath.startsWith(path);
      case SEGMENT_PREFIX -> matchesSegments(canonicalPath);
      case REGEX -> pathRegex != null && pathRegex.matches(canonicalPath);
    };
  }

  private boolean matchesSegments(String canonicalPath) {
    if (!canonicalPath.startsWith(path)) {
      return false;
    }
    int end = path.length();
    return canonicalPath.length() == end
        || path.charAt(end - 1) == '/'
        || canonicalPath.charAt(end) == '/';
  }
}
