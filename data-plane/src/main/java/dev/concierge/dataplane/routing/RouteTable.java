package dev.concierge.dataplane.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
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
  // Scratch for the host's suffix hashes: per thread, so a lookup allocates nothing.
  private static final ThreadLocal<int[]> SUFFIX_HASHES = ThreadLocal.withInitial(() -> new int[8]);

  private final Map<String, Tier> exactHosts;

  /** Keyed by the suffix including its leading dot: "*.example.com" is ".example.com". */
  private final PrefixIndex<Tier> wildcardHosts;

  private final Tier anyHost;
  private final int routeCount;

  private RouteTable(Map<String, Tier> exact, PrefixIndex<Tier> wildcard, Tier any, int count) {
    this.exactHosts = exact;
    this.wildcardHosts = wildcard;
    this.anyHost = any;
    this.routeCount = count;
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
        Map.copyOf(exactTiers), PrefixIndex.of(wildcardTiers), Tier.of(any), routes.size());
  }

  /**
   * The route for a request, or {@code null} if none matches.
   *
   * @param host the Host header or authority as sent: any case, with or without a port
   * @param canonicalPath the normalised request path (dot segments resolved, parameters removed)
   * @param request what the routes' predicates test (method, ...)
   */
  public @Nullable CompiledRoute find(
      String host, String canonicalPath, @Nullable Request request) {
    String name = normaliseHost(host);
    if (name != null && !name.isEmpty()) {
      Tier tier = exactHosts.get(name);
      if (tier != null) {
        CompiledRoute route = tier.find(canonicalPath, request);
        if (route != null) {
          return route;
        }
      }
      CompiledRoute route = wildcard(name, canonicalPath, request);
      if (route != null) {
        return route;
      }
    }
    return anyHost.find(canonicalPath, request);
  }

  /**
   * The wildcard tiers whose suffix ends {@code name}, longest first. A suffix must be shorter than
   * the name, so the apex itself is never a candidate (the suffix keeps its leading dot).
   */
  private @Nullable CompiledRoute wildcard(
      String name, String canonicalPath, @Nullable Request request) {
    int probes = wildcardHosts.probes();
    if (probes == 0) {
      return null;
    }
    // Its own scratch: a tier's prefix lookup runs while these hashes are still being probed.
    int[] hashes = PrefixIndex.scratch(SUFFIX_HASHES, probes);
    wildcardHosts.suffixHashes(name, hashes);
    for (int probe = 0; probe < probes; probe++) {
      int length = wildcardHosts.length(probe);
      if (length >= name.length()) {
        continue; // no hash was taken
      }
      Tier wild = wildcardHosts.getSuffix(name, length, hashes[probe]);
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
    return routeCount;
  }

  /** Lower-cases and strips the port, keeping IPv6 literals whole ("[::1]:80" is "[::1]"). */
  static @Nullable String normaliseHost(String host) {
    if (host == null) {
      return null;
    }
    String name = host;
    if (name.startsWith("[")) {
      int close = name.indexOf(']');
      name = close > 0 ? name.substring(0, close + 1) : name;
    } else {
      int colon = name.lastIndexOf(':');
      if (colon >= 0) {
        name = name.substring(0, colon);
      }
    }
    if (name.endsWith(".")) {
      name = name.substring(0, name.length() - 1);
    }
    return name.toLowerCase(Locale.ROOT);
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
    // Scratch for the path's prefix hashes: per thread, so a lookup allocates nothing.
    private static final ThreadLocal<int[]> HASHES = ThreadLocal.withInitial(() -> new int[8]);

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
      if (probes == 0) {
        return null;
      }
      int[] hashes = PrefixIndex.scratch(HASHES, probes);
      // The path's running hash at each indexed length it reaches: one pass over the path.
      int hash = 0;
      int done = 0;
      for (int probe = probes - 1; probe >= 0 && prefixes.length(probe) <= path.length(); probe--) {
        for (int length = prefixes.length(probe); done < length; done++) {
          hash = 31 * hash + path.charAt(done);
        }
        hashes[probe] = hash;
      }
      for (int probe = 0; probe < probes; probe++) {
        int length = prefixes.length(probe);
        if (length > path.length()) {
          continue; // longer than the path: no hash was taken
        }
        Candidate[] group = prefixes.get(path, length, hashes[probe]);
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
