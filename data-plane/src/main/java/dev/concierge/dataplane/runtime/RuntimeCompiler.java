package dev.concierge.dataplane.runtime;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.HostPatterns;
import dev.concierge.api.rules.HttpMethods;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicySet;
import dev.concierge.dataplane.cluster.ClusterSplit;
import dev.concierge.dataplane.cluster.ClusterState;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.cluster.RoundRobinBalancer;
import dev.concierge.dataplane.routing.CompiledRoute;
import dev.concierge.dataplane.routing.CompiledRoute.PathKind;
import dev.concierge.dataplane.routing.MethodPredicate;
import dev.concierge.dataplane.routing.RequestPredicate;
import dev.concierge.dataplane.routing.RouteTable;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.upstream.ForwardPolicy;
import dev.concierge.dataplane.upstream.RequestRewrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a {@link ConfigSnapshot} into a {@link Runtime}, or explains every reason it cannot.
 *
 * <p>Routes get their predicates, their forward policy and every policy of the
 * {@link PolicyCompilers} list; clusters and routes get references into the node-lifetime
 * registries (endpoint state, balancer position, meters), resolved here so that the request path
 * never looks anything up by name. The node re-checks what the control plane validated because a
 * NACK is far cheaper than serving a broken table. Thread-safe.
 */
public final class RuntimeCompiler {
  static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);
  static final Duration MAX_ROUTE_TIMEOUT = Duration.ofHours(1);
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(60);

  private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]{0,62}");

  private final EndpointRegistry endpoints;
  private final TrafficStats stats;
  private final List<PolicyCompiler<?>> policies;

  /** A compiler with registries of its own (tests, tools). */
  public RuntimeCompiler() {
    this(new EndpointRegistry(), new TrafficStats());
  }

  /** A compiler resolving into the node's registries, with the {@link PolicyCompilers} list. */
  public RuntimeCompiler(EndpointRegistry endpoints, TrafficStats stats) {
    this.endpoints = requireNonNull(endpoints, "endpoints");
    this.stats = requireNonNull(stats, "stats");
    this.policies = PolicyCompilers.all();
  }

  /** Compiles {@code snapshot}; the result shares nothing mutable with it. */
  public Runtime compile(ConfigSnapshot snapshot) throws CompileException {
    List<String> problems = new ArrayList<>();
    Map<String, CompiledCluster> clusters = new LinkedHashMap<>();
    for (int i = 0; i < snapshot.getClustersCount(); i++) {
      Cluster cluster = snapshot.getClusters(i);
      String path = pathOf(cluster.getName(), "clusters", i);
      CompiledCluster compiled = compileCluster(path, cluster, problems);
      if (compiled != null && clusters.putIfAbsent(cluster.getName(), compiled) != null) {
        problems.add(path + ": duplicate cluster name");
      }
    }
    List<CompiledRoute> routes = new ArrayList<>();
    Set<String> routeNames = new HashSet<>();
    for (int i = 0; i < snapshot.getRoutesCount(); i++) {
      Route route = snapshot.getRoutes(i);
      String path = pathOf(route.getName(), "routes", i);
      boolean named = checkName(path, route.getName(), "routes/", problems);
      if (named && !routeNames.add(route.getName())) {
        problems.add(path + ": duplicate route name");
      }
      CompiledRoute compiled = compileRoute(path, route, clusters, snapshot, problems);
      if (compiled != null) {
        routes.add(compiled);
      }
    }
    if (!problems.isEmpty()) {
      throw new CompileException(problems);
    }
    return new Runtime(snapshot.getRevision(), RouteTable.of(routes), clusters, snapshot);
  }

  private static String pathOf(String name, String collection, int index) {
    return name.isEmpty() ? collection + "[" + index + "]" : name;
  }

  private static boolean checkName(String path, String name, String prefix, List<String> problems) {
    if (!name.startsWith(prefix) || !ID.matcher(name.substring(prefix.length())).matches()) {
      problems.add(path + ": name \"" + name + "\" is not " + prefix + "{id} with id [a-z][a-z0-9-]{0,62}");
      return false;
    }
    return true;
  }

  private CompiledCluster compileCluster(String path, Cluster cluster, List<String> problems) {
    int before = problems.size();
    checkName(path, cluster.getName(), "clusters/", problems);
    if (cluster.getEndpointsCount() == 0) {
      problems.add(path + ": has no endpoints");
    }
    List<Endpoint> endpoints = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    ClusterState state = this.endpoints.cluster(cluster.getName());
    for (int j = 0; j < cluster.getEndpointsCount(); j++) {
      var e = cluster.getEndpoints(j);
      String at = path + ": endpoints[" + j + "]";
      boolean ok = true;
      if (e.getHost().isBlank() || e.getHost().chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
        problems.add(at + ": bad host \"" + e.getHost() + "\"");
        ok = false;
      }
      if (e.getPort() < 1 || e.getPort() > 65535) {
        problems.add(at + ": port " + Integer.toUnsignedString(e.getPort()) + " is not in 1-65535");
        ok = false;
      }
      if (Integer.compareUnsigned(e.getWeight(), 1000) > 0) {
        problems.add(at + ": weight " + Integer.toUnsignedString(e.getWeight()) + " is not in 0-1000");
        ok = false;
      }
      if (e.getPriority() < 0) {
        problems.add(at + ": priority " + Integer.toUnsignedString(e.getPriority()) + " is too large");
        ok = false;
      }
      if (ok && !seen.add(e.getHost().toLowerCase(Locale.ROOT) + ":" + e.getPort())) {
        problems.add(at + ": duplicate endpoint " + e.getHost() + ":" + e.getPort());
        ok = false;
      }
      if (ok) {
        Endpoint endpoint = new Endpoint(e.getHost(), e.getPort(), Math.max(1, e.getWeight()),
            e.getPriority(), state.endpoint(Endpoint.addressOf(e.getHost(), e.getPort())));
        endpoints.add(endpoint);
      }
    }
    Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    if (cluster.hasConnectTimeout()) {
      connectTimeout = Duration.ofSeconds(
          cluster.getConnectTimeout().getSeconds(), cluster.getConnectTimeout().getNanos());
      if (connectTimeout.isNegative() || connectTimeout.isZero()
          || connectTimeout.compareTo(MAX_CONNECT_TIMEOUT) > 0) {
        problems.add(path + ": connect_timeout " + connectTimeout + " is not in (0, 60s]");
      }
    }
    if (problems.size() > before) {
      return null;
    }
    return new CompiledCluster(cluster.getName(), endpoints,
        RoundRobinBalancer.of(endpoints, state.position()), connectTimeout,
        stats.cluster(cluster.getName()));
  }

  private CompiledRoute compileRoute(
      String path,
      Route route,
      Map<String, CompiledCluster> clusters,
      ConfigSnapshot snapshot,
      List<String> problems) {
    int before = problems.size();
    RouteMatch match = route.getMatch();
    List<String> hosts = new ArrayList<>();
    Set<String> seenHosts = new HashSet<>();
    for (int j = 0; j < match.getHostsCount(); j++) {
      String host = match.getHosts(j);
      String lower = host.toLowerCase(Locale.ROOT);
      String problem = HostPatterns.problem(host);
      if (problem != null) {
        problems.add(path + ": match.hosts[" + j + "]: " + problem);
      } else if (seenHosts.add(lower)) {
        hosts.add(lower);
      }
    }
    PathKind kind = PathKind.ANY;
    String matchPath = "";
    switch (match.getPathCase()) {
      case PATH_EXACT -> {
        kind = PathKind.EXACT;
        matchPath = match.getPathExact();
      }
      case PATH_PREFIX -> {
        matchPath = match.getPathPrefix();
        switch (match.getPrefixMode()) {
          case PREFIX_MODE_UNSPECIFIED, SEGMENTS -> kind = PathKind.SEGMENT_PREFIX;
          case STRING -> kind = PathKind.STRING_PREFIX;
          default -> problems.add(path + ": match.prefix_mode: unknown mode "
              + match.getPrefixModeValue());
        }
      }
      case PATH_NOT_SET -> { }
      default -> throw new IllegalStateException("unknown path case");
    }
    if (match.getPrefixModeValue() != 0 && match.getPathCase() != RouteMatch.PathCase.PATH_PREFIX) {
      problems.add(path + ": match.prefix_mode: only applies to path_prefix");
    }
    if (kind != PathKind.ANY && !matchPath.startsWith("/")) {
      String field = kind == PathKind.EXACT ? "path_exact" : "path_prefix";
      problems.add(path + ": match." + field + " \"" + matchPath + "\" does not start with \"/\"");
    }
    List<RequestPredicate> predicates = new ArrayList<>();
    if (match.getMethodsCount() > 0) {
      Set<String> methods = new HashSet<>();
      for (int j = 0; j < match.getMethodsCount(); j++) {
        String method = match.getMethods(j);
        String problem = HttpMethods.problem(method);
        if (problem != null) {
          problems.add(path + ": match.methods[" + j + "]: " + problem);
        } else if (!methods.add(method)) {
          problems.add(path + ": match.methods[" + j + "]: \"" + method + "\" is listed twice");
        }
      }
      predicates.add(MethodPredicate.of(match.getMethodsList()));
    }
    if (!route.hasForward()) {
      problems.add(path + ": has no action");
      return null;
    }
    ForwardPolicy forward = compileForward(path, route.getForward(), clusters, snapshot, problems);
    PolicySet.Builder policySet = PolicySet.builder();
    if (forward != null) {
      policySet.put(ForwardPolicy.KEY, forward);
    }
    for (PolicyCompiler<?> compiler : policies) {
      compilePolicy(compiler, route, policySet, problem -> problems.add(path + ": " + problem));
    }
    if (problems.size() > before || forward == null) {
      return null;
    }
    return new CompiledRoute(route.getName(), hosts, kind, matchPath, predicates,
        policySet.build(), stats.route(route.getName()));
  }

  private static <P> void compilePolicy(PolicyCompiler<P> compiler, Route route,
      PolicySet.Builder policySet, java.util.function.Consumer<String> problems) {
    P policy = compiler.compile(route, problems);
    if (policy != null) {
      policySet.put(compiler.key(), policy);
    }
  }

  private static ForwardPolicy compileForward(
      String path,
      ForwardAction forward,
      Map<String, CompiledCluster> clusters,
      ConfigSnapshot snapshot,
      List<String> problems) {
    int before = problems.size();
    Duration timeout = DEFAULT_ROUTE_TIMEOUT;
    if (forward.hasTimeout()) {
      timeout = Duration.ofSeconds(forward.getTimeout().getSeconds(), forward.getTimeout().getNanos());
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_ROUTE_TIMEOUT) > 0) {
        problems.add(path + ": forward.timeout " + timeout + " is not in (0, 1h]");
      }
    }
    int maxAttempts = forward.getMaxAttempts() == 0
        ? ForwardPolicy.DEFAULT_MAX_ATTEMPTS : forward.getMaxAttempts();
    if (maxAttempts < 0 || maxAttempts > ForwardPolicy.MAX_ATTEMPTS) {
      problems.add(path + ": forward.max_attempts " + Integer.toUnsignedString(forward.getMaxAttempts())
          + " is not in 0-" + ForwardPolicy.MAX_ATTEMPTS);
    }
    RequestRewrite rewrite = RequestRewrite.defaults();
    switch (forward.getPathForwarding()) {
      case PATH_FORWARDING_UNSPECIFIED, NORMALIZED -> { }
      case RAW -> rewrite = RequestRewrite.of(RequestRewrite.PathForm.RAW);
      default -> problems.add(path + ": forward.path_forwarding: unknown value "
          + forward.getPathForwardingValue());
    }
    if (forward.getClustersCount() == 0) {
      problems.add(path + ": forward has no clusters");
    }
    Set<String> known = new HashSet<>();
    snapshot.getClustersList().forEach(c -> known.add(c.getName()));
    List<ClusterSplit.Share> shares = new ArrayList<>();
    Map<String, Integer> seenClusters = new HashMap<>();
    for (int j = 0; j < forward.getClustersCount(); j++) {
      WeightedCluster wc = forward.getClusters(j);
      String at = path + ": forward.clusters[" + j + "]";
      if (!known.contains(wc.getCluster())) {
        problems.add(path + ": cluster \"" + wc.getCluster() + "\" is not in the snapshot");
        continue;
      }
      if (seenClusters.putIfAbsent(wc.getCluster(), j) != null) {
        problems.add(at + ": cluster \"" + wc.getCluster() + "\" is listed twice");
        continue;
      }
      if (Integer.compareUnsigned(wc.getWeight(), 1000) > 0) {
        problems.add(at + ": weight " + Integer.toUnsignedString(wc.getWeight()) + " is not in 0-1000");
        continue;
      }
      CompiledCluster cluster = clusters.get(wc.getCluster());
      if (cluster != null) {
        shares.add(new ClusterSplit.Share(cluster, Math.max(1, wc.getWeight())));
      }
    }
    if (problems.size() > before || shares.isEmpty()) {
      return null;
    }
    return new ForwardPolicy(ClusterSplit.of(shares), timeout, maxAttempts, rewrite);
  }
}
