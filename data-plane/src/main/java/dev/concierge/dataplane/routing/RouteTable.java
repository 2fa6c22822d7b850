package dev.concierge.dataplane.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * Finds the most specific route for a host and path. Built once per runtime; lookups only read.
 *
 * <p>Host tiers, most specific first: the exact host, then wildcards from the longest suffix to the
 * shortest, then routes without hosts. Within a tier: exact path, then the longest prefix, then
 * path regexes, then routes without a path predicate; equal routes are ordered by the number of
 * their request predicates (more first), then by explicit priority (higher first), then by name. A
 * tier with no route for the path falls through to the next. Hosts and paths are found by hash
 * probes (one per distinct wildcard suffix or prefix length), so a lookup does not grow with the
 * number of routes, only with the routes sharing its host and path that predicates turn away.
 * Thread-safe.
 */
public final class RouteTable {
  private static final Comparator<CompiledRoute> SPECIFICITY =
      Comparator.comparingInt(RouteTable::pathRank)
          .thenComparing(Comparator.comparingInt((CompiledRoute r) -> r.path().length()).reversed())
          .thenComparing(
              Comparator.comparingInt((CompiledRoute r) -> r.predicates().size()).reversed())
          .thenComparing(Comparator.comparingInt(CompiledRoute::priority).reversed())
          .thenComparing(CompiledRoute::name);

  private final PrefixIndex<Tier> exactHosts;

  /** Keyed by the suffix including its leading dot: "*.example.com" is ".example.com". */
  private final PrefixIndex<Tier> wildcardHosts;

  private final Tier anyHost;
  private final List<CompiledRoute> routes;

  private RouteTable(
      PrefixIndex<Tier> exact, PrefixIndex<Tier> wildcard, Tier any, List<CompiledRoute> routes) {
    this.exactHosts = exact;
    this.wildcardHosts = wildcard;
    this.anyHost = any;
    this.routes = List.copyOf(routes);
  }

  /** An empty table: every lookup misses. */
  public static RouteTable empty() {
    return of(List.of());
  }

  /** Indexes {@code routes}; their host patterns must already be lower case and valid. */
  public static RouteTable of(List<CompiledRoute> routes) {
    Map<String, List<CompiledRoute>> exact = new HashMap<>();
    Map<String, List<CompiledRoute>> wildcard = new HashMap<>();
    List<CompiledRoute> any = new ArrayList<>();
    for (CompiledRoute route : routes) {
      if (route.hosts().isEmpty()) {
        any.add(route);
      }
      for (String host : route.hosts()) {
        if (host.startsWith("*.")) {
          wildcard.computeIfAbsent(host.substring(1), k -> new ArrayList<>()).add(route);
        } else {
          exact.computeIfAbsent(host, k -> new ArrayList<>()).add(route);
        }
      }
    }
    Map<String, Tier> exactTiers = new HashMap<>();
    exact.forEach((host, list) -> exactTiers.put(host, Tier.of(list)));
    Map<String, Tier> wildcardTiers = new HashMap<>();
    wildcard.forEach((suffix, list) -> wildcardTiers.put(suffix, Tier.of(list)));
    return new RouteTable(
        PrefixIndex.of(exactTiers), PrefixIndex.of(wildcardTiers), Tier.of(any), routes);
  }

  /**
   * The route for a request, or {@code null} if none matches.
   *
   * @param host the Host header or authority as sent: any case, with or without a port
   * @param canonicalPath the normalised request path (dot segments resolved, parameters removed)
   * @param request what the routes' predicates test (method, ...)
   */
  public @Nullable CompiledRoute find(
      @Nullable String host, String canonicalPath, @Nullable Request request) {
    // The name is looked up where it stands in the header, ignoring case: no lower-cased copy, so
    // a lookup allocates nothing (at 10,000 routes, garbage per request costs more than the probes:
    // every young collection has the whole table to deal with).
    if (host != null) {
      CompiledRoute route = byHost(host, nameEnd(host), canonicalPath, request);
      if (route != null) {
        return route;
      }
    }
    return anyHost.find(canonicalPath, request);
  }

  /** The route of the exact or wildcard tiers of the host name {@code host[0, end)}, or null. */
  private @Nullable CompiledRoute byHost(
      String host, int end, String canonicalPath, @Nullable Request request) {
    if (end == 0) {
      return null;
    }
    Tier tier = exactHosts.getHost(host, 0, end, PrefixIndex.lowerHash(host, 0, end));
    if (tier != null) {
      CompiledRoute route = tier.find(canonicalPath, request);
      if (route != null) {
        return route;
      }
    }
    return wildcard(host, end, canonicalPath, request);
  }

  /**
   * The wildcard tiers whose suffix ends the name {@code host[0, end)}, longest first. A suffix
   * must be shorter than the name, so the apex itself is never a candidate (the suffix keeps its
   * leading dot).
   */
  private @Nullable CompiledRoute wildcard(
      String host, int end, String canonicalPath, @Nullable Request request) {
    int probes = wildcardHosts.probes();
    int probe = 0;
    while (probe < probes && wildcardHosts.length(probe) >= end) {
      probe++;
    }
    if (probe == probes) {
      return null;
    }
    // The hash of the longest suffix that fits, then of each shorter one by dropping its first
    // character (times 31 to the power of its place): no hash array, no substring.
    int size = wildcardHosts.length(probe);
    int hash = PrefixIndex.lowerHash(host, end - size, end);
    int power = PrefixIndex.power(size - 1);
    for (; probe < probes; probe++) {
      int length = wildcardHosts.length(probe);
      for (; size > length; size--) {
        hash -= PrefixIndex.lower(host.charAt(end - size)) * power;
        power *= PrefixIndex.INVERSE_31;
      }
      Tier wild = wildcardHosts.getSuffix(host, end, length, hash);
      if (wild != null) {
        CompiledRoute route = wild.find(canonicalPath, request);
        if (route != null) {
          return route;
        }
      }
    }
    return null;
  }

  /** The route for a request without predicates to test (tools, benchmarks): see above. */
  public @Nullable CompiledRoute find(String host, String canonicalPath) {
    return find(host, canonicalPath, null);
  }

  /** The number of routes indexed. */
  public int size() {
    return routes.size();
  }

  /** Every route indexed, in the order given (metrics and tools; not for the request path). */
  public List<CompiledRoute> routes() {
    return routes;
  }

  /**
   * Where the host name of a Host header ends: before the port and a trailing dot, keeping IPv6
   * literals whole ("[::1]:80" is "[::1]").
   */
  static int nameEnd(String host) {
    int end;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      end = close > 0 ? close + 1 : host.length();
    } else {
      int colon = host.lastIndexOf(':');
      end = colon >= 0 ? colon : host.length();
    }
    return end > 0 && host.charAt(end - 1) == '.' ? end - 1 : end;
  }

  private static int pathRank(CompiledRoute route) {
    return switch (route.pathKind()) {
      case EXACT -> 0;
      case SEGMENT_PREFIX, STRING_PREFIX -> 1;
      case REGEX -> 2;
      case ANY -> 3;
    };
  }

  /** The routes of one host tier, pre-sorted by specificity, each with its predicates. */
  private static final class Tier {
    private static final Candidate[] NONE = new Candidate[0];

    private final Map<String, Candidate[]> exactPaths;
    // Prefix routes by their prefix, each group in specificity order (predicates, then name).
    private final PrefixIndex<Candidate[]> prefixes;
    // Path regexes can only be tried one by one, in specificity order.
    private final Candidate[] regexPaths;
    private final Candidate[] anyPath;

    private Tier(
        Map<String, Candidate[]> exactPaths,
        PrefixIndex<Candidate[]> prefixes,
        Candidate[] regexPaths,
        Candidate[] anyPath) {
      this.exactPaths = exactPaths;
      this.prefixes = prefixes;
      this.regexPaths = regexPaths;
      this.anyPath = anyPath;
    }

    static Tier of(List<CompiledRoute> routes) {
      List<CompiledRoute> sorted = new ArrayList<>(routes);
      sorted.sort(SPECIFICITY);
      Map<String, List<Candidate>> exact = new HashMap<>();
      List<Candidate> prefixes = new ArrayList<>();
      List<Candidate> regexes = new ArrayList<>();
      List<Candidate> any = new ArrayList<>();
      for (CompiledRoute route : sorted) {
        Candidate candidate = new Candidate(route);
        switch (route.pathKind()) {
          case EXACT -> exact.computeIfAbsent(route.path(), k -> new ArrayList<>()).add(candidate);
          case SEGMENT_PREFIX, STRING_PREFIX -> prefixes.add(candidate);
          case REGEX -> regexes.add(candidate);
          case ANY -> any.add(candidate);
          default -> throw new IllegalStateException("unknown path kind " + route.pathKind());
        }
      }
      Map<String, Candidate[]> exactArrays = new HashMap<>();
      exact.forEach((path, list) -> exactArrays.put(path, list.toArray(NONE)));
      Map<String, Candidate[]> prefixArrays = new HashMap<>();
      PrefixIndex.group(prefixes, c -> c.route.path())
          .forEach((prefix, list) -> prefixArrays.put(prefix, list.toArray(NONE)));
      return new Tier(
          Map.copyOf(exactArrays),
          PrefixIndex.of(prefixArrays),
          regexes.toArray(NONE),
          any.toArray(NONE));
    }

    @Nullable CompiledRoute find(String path, @Nullable Request request) {
      Candidate[] exact = exactPaths.get(path);
      if (exact != null) {
        CompiledRoute route = first(exact, path, request);
        if (route != null) {
          return route;
        }
      }
      CompiledRoute route = longestPrefix(path, request);
      if (route == null && regexPaths.length > 0) {
        route = first(regexPaths, path, request);
      }
      return route != null ? route : first(anyPath, path, request);
    }

    /**
     * Longest prefix first, as the specificity order has it: within one length only one prefix can
     * start the path, and its routes are already in order.
     */
    private @Nullable CompiledRoute longestPrefix(String path, @Nullable Request request) {
      int probes = prefixes.probes();
      int probe = 0;
      while (probe < probes && prefixes.length(probe) > path.length()) {
        probe++;
      }
      if (probe == probes) {
        return null;
      }
      // The hash of the longest prefix that fits, then of each shorter one by dropping its last
      // character: one pass over the path, no hash array.
      int done = prefixes.length(probe);
      int hash = PrefixIndex.hash(path, 0, done);
      for (; probe < probes; probe++) {
        int length = prefixes.length(probe);
        while (done > length) {
          hash = (hash - path.charAt(--done)) * PrefixIndex.INVERSE_31;
        }
        Candidate[] group = prefixes.get(path, length, hash);
        if (group != null) {
          CompiledRoute route = first(group, path, request);
          if (route != null) {
            return route;
          }
        }
      }
      return null;
    }

    private static @Nullable CompiledRoute first(
        Candidate[] candidates, String path, @Nullable Request request) {
      for (Candidate candidate : candidates) {
        if (candidate.route.matchesPath(path) && candidate.test(request)) {
          return candidate.route;
        }
      }
      return null;
    }
  }

  /** A route and its predicates as an array, for the match loop. */
  private static final class Candidate {
    final CompiledRoute route;
    private final RequestPredicate[] predicates;

    Candidate(CompiledRoute route) {
      this.route = route;
      this.predicates = route.predicates().toArray(new RequestPredicate[0]);
    }

    boolean test(@Nullable Request request) {
      if (request == null) {
        return predicates.length == 0;
      }
      for (RequestPredicate predicate : predicates) {
        if (!predicate.test(request)) {
          return false;
        }
      }
      return true;
    }
  }
}
