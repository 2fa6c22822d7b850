package dev.concierge.dataplane.runtime;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.BalancingRules;
import dev.concierge.api.rules.ClusterRules;
import dev.concierge.api.rules.RequestMatchRules;
import dev.concierge.api.rules.RetryRules;
import dev.concierge.api.rules.RouteRules;
import dev.concierge.api.rules.SnapshotRules;
import dev.concierge.api.rules.StickinessRules;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.RetryBudget;
import dev.concierge.api.v1.RetryPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.SlowStart;
import dev.concierge.api.v1.Stickiness;
import dev.concierge.api.v1.UpstreamTls;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.dataplane.acme.AcmeChallenges;
import dev.concierge.dataplane.chain.PolicyCompiler;
import dev.concierge.dataplane.chain.PolicySet;
import dev.concierge.dataplane.cluster.BalancingPolicy;
import dev.concierge.dataplane.cluster.CircuitBreaker;
import dev.concierge.dataplane.cluster.CircuitBreakerCounters;
import dev.concierge.dataplane.cluster.ClusterSplit;
import dev.concierge.dataplane.cluster.ClusterState;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.cluster.OutlierDetector;
import dev.concierge.dataplane.cluster.OutlierPolicy;
import dev.concierge.dataplane.cluster.RequestHash;
import dev.concierge.dataplane.cluster.RetryLimiter;
import dev.concierge.dataplane.cluster.SlowStartPolicy;
import dev.concierge.dataplane.cluster.SplitStickiness;
import dev.concierge.dataplane.cluster.UpstreamProtocol;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.dns.HostResolver;
import dev.concierge.dataplane.dns.ResolvedHost;
import dev.concierge.dataplane.ratelimit.GlobalLimits;
import dev.concierge.dataplane.routing.CompiledRoute;
import dev.concierge.dataplane.routing.CompiledRoute.PathKind;
import dev.concierge.dataplane.routing.CountryPredicate;
import dev.concierge.dataplane.routing.DevicePredicate;
import dev.concierge.dataplane.routing.HeaderPredicate;
import dev.concierge.dataplane.routing.MethodPredicate;
import dev.concierge.dataplane.routing.QueryPredicate;
import dev.concierge.dataplane.routing.RequestPredicate;
import dev.concierge.dataplane.routing.RouteTable;
import dev.concierge.dataplane.routing.SourcePredicate;
import dev.concierge.dataplane.routing.TimeWindowPredicate;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.tls.CertificateCompiler;
import dev.concierge.dataplane.tls.CertificateIndex;
import dev.concierge.dataplane.upstream.ForwardPolicy;
import dev.concierge.dataplane.upstream.RequestRewrite;
import dev.concierge.dataplane.upstream.RouteRetryPolicy;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link ConfigSnapshot} into a {@link Runtime}, or explains every reason it cannot.
 *
 * <p>The snapshot must first keep the shared {@link SnapshotRules}, the same rules the control
 * plane runs before it stores a write, so that the two never disagree on what a node accepts; a
 * node re-checks because a NACK is far cheaper than serving a broken table. Routes then get their
 * predicates, their forward policy and every policy of the {@link PolicyCompilers} list; clusters
 * and routes get references into the node-lifetime registries (endpoint state, balancer position,
 * meters), resolved here so that the request path never looks anything up by name. Thread-safe.
 */
public final class RuntimeCompiler {
  static final Duration DEFAULT_ROUTE_TIMEOUT = Duration.ofSeconds(15);
  static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** How long a new runtime waits for the first lookup of host names it is the first to name. */
  static final Duration FIRST_LOOKUP_WAIT = Duration.ofSeconds(1);

  private final EndpointRegistry endpoints;
  private final TrafficStats stats;
  private final HostResolver resolver;
  private final List<PolicyCompiler<?>> policies;
  // The TLS policies of the last compile that succeeded, for reuse by the next.
  private final Map<TlsKey, UpstreamTlsPolicy> tlsPolicies = new HashMap<>();

  /** A compiler with registries of its own (tests, tools). */
  public RuntimeCompiler() {
    this(new EndpointRegistry(), new TrafficStats());
  }

  /**
   * A compiler resolving into the node's registries; host names are looked up on the compiling
   * thread (tests, tools).
   */
  public RuntimeCompiler(EndpointRegistry endpoints, TrafficStats stats) {
    this(endpoints, stats, HostResolver.onCaller());
  }

  /**
   * A compiler resolving into the node's registries, with the {@link PolicyCompilers} list; the
   * endpoints' host names resolve through {@code resolver}.
   */
  public RuntimeCompiler(EndpointRegistry endpoints, TrafficStats stats, HostResolver resolver) {
    this(endpoints, stats, resolver, GlobalLimits.none());
  }

  /** As above, GLOBAL rate limits going through the node's {@code global}. */
  public RuntimeCompiler(
      EndpointRegistry endpoints, TrafficStats stats, HostResolver resolver, GlobalLimits global) {
    this.endpoints = requireNonNull(endpoints, "endpoints");
    this.stats = requireNonNull(stats, "stats");
    this.resolver = requireNonNull(resolver, "resolver");
    this.policies = PolicyCompilers.all(global);
  }

  /** Compiles {@code snapshot}; the result shares nothing mutable with it. */
  public Runtime compile(ConfigSnapshot snapshot) throws CompileException {
    List<String> problems = new ArrayList<>();
    SnapshotRules.check(snapshot, (field, description) -> problems.add(field + ": " + description));
    if (!problems.isEmpty()) {
      throw new CompileException(problems);
    }
    CertificateIndex certificates =
        CertificateCompiler.compile(
            snapshot.getCertificatesList(),
            (field, description) -> problems.add(field + ": " + description));
    AcmeChallenges acmeChallenges =
        AcmeChallenges.of(
            snapshot.getAcmeChallengesList(),
            (field, description) -> problems.add(field + ": " + description));
    if (!problems.isEmpty()) {
      throw new CompileException(problems);
    }
    Map<String, UpstreamTlsPolicy> tls = upstreamTls(snapshot, problems);
    if (!problems.isEmpty()) {
      throw new CompileException(problems);
    }
    Map<String, CompiledCluster> clusters = new LinkedHashMap<>();
    for (Cluster cluster : snapshot.getClustersList()) {
      clusters.put(cluster.getName(), compileCluster(cluster, tls.get(cluster.getName())));
    }
    List<PolicyCompiler<?>> routePolicies = new ArrayList<>();
    policies.forEach(compiler -> routePolicies.add(compiler.forSnapshot(snapshot)));
    List<CompiledRoute> routes = new ArrayList<>();
    for (Route route : snapshot.getRoutesList()) {
      routes.add(compileRoute(route, clusters, routePolicies));
    }
    // Like Envoy's cluster warming: a new name's first lookup gets a moment (on the config
    // thread, never a request's) so the first requests find it resolved.
    List<ResolvedHost> names = new ArrayList<>();
    clusters.values().forEach(c -> c.endpoints().forEach(e -> names.add(e.resolved())));
    resolver.awaitFirstLookups(names, FIRST_LOOKUP_WAIT);
    return new Runtime(
        snapshot.getRevision(),
        RouteTable.of(routes),
        clusters,
        snapshot,
        certificates,
        acmeChallenges);
  }

  /**
   * The TLS policies of the clusters that have one, by cluster name; a policy whose settings (and
   * client certificate) are unchanged since the last compile is the same object, so the connections
   * pooled under it stay warm. Each unusable one is a problem.
   */
  private Map<String, UpstreamTlsPolicy> upstreamTls(
      ConfigSnapshot snapshot, List<String> problems) {
    Map<String, Certificate> certificates = new HashMap<>();
    snapshot.getCertificatesList().forEach(c -> certificates.put(c.getName(), c));
    Map<String, UpstreamTlsPolicy> byCluster = new HashMap<>();
    Map<TlsKey, UpstreamTlsPolicy> compiled = new HashMap<>();
    synchronized (tlsPolicies) {
      for (Cluster cluster : snapshot.getClustersList()) {
        if (!cluster.hasTls()) {
          continue;
        }
        UpstreamTls tls = cluster.getTls();
        // SnapshotRules, checked first, refuses a client certificate the snapshot lacks.
        Certificate client =
            tls.getClientCertificate().isEmpty()
                ? null
                : certificates.get(tls.getClientCertificate());
        TlsKey key = new TlsKey(tls, client);
        UpstreamTlsPolicy policy = compiled.get(key);
        if (policy == null) {
          policy = tlsPolicies.get(key);
        }
        if (policy == null) {
          try {
            policy = UpstreamTlsPolicy.of(tls, client);
          } catch (GeneralSecurityException | RuntimeException e) {
            problems.add(
                cluster.getName()
                    + ".tls"
                    + (client == null ? "" : " (client certificate " + client.getName() + ")")
                    + ": "
                    + e.getMessage());
            continue;
          }
        }
        compiled.put(key, policy);
        byCluster.put(cluster.getName(), policy);
      }
      if (problems.isEmpty()) {
        tlsPolicies.clear();
        tlsPolicies.putAll(compiled);
      }
    }
    return byCluster;
  }

  /**
   * What a compiled TLS policy depends on: the settings and the client certificate with its key.
   */
  private record TlsKey(UpstreamTls tls, @Nullable Certificate clientCertificate) {}

  private CompiledCluster compileCluster(Cluster cluster, @Nullable UpstreamTlsPolicy tls) {
    List<Endpoint> endpoints = new ArrayList<>();
    // A draining endpoint stays in the cluster (its state, in-flight count and pooled connections
    // live on while its requests finish) but no balancer gets it, so no new request goes there.
    List<Endpoint> inRotation = new ArrayList<>();
    ClusterState state = this.endpoints.cluster(cluster.getName());
    for (var e : cluster.getEndpointsList()) {
      Endpoint endpoint =
          new Endpoint(
              e.getHost(),
              e.getPort(),
              Math.max(1, e.getWeight()),
              e.getPriority(),
              state.endpoint(Endpoint.addressOf(e.getHost(), e.getPort())),
              resolver.host(e.getHost()),
              e.getDraining());
      endpoints.add(endpoint);
      if (!e.getDraining()) {
        inRotation.add(endpoint);
      }
    }
    Duration connectTimeout =
        cluster.hasConnectTimeout()
            ? toDuration(cluster.getConnectTimeout())
            : DEFAULT_CONNECT_TIMEOUT;
    BalancingPolicy policy = balancingPolicy(cluster.getLbPolicy());
    int overprovisioning =
        cluster.getOverprovisioningPercent() == 0
            ? ClusterRules.DEFAULT_OVERPROVISIONING_PERCENT
            : cluster.getOverprovisioningPercent();
    RequestHash requestHash;
    if (policy.hashes()) {
      requestHash = requestHash(cluster.getHashPolicy());
    } else if (policy != BalancingPolicy.ROUND_ROBIN || BalancingPolicy.levels(inRotation) > 1) {
      requestHash = RequestHash.random(); // draws, or the choice of a priority level
    } else {
      requestHash = RequestHash.none(); // the default hot path draws nothing
    }
    // Unset means the default budget, as Envoy users expect of a proxy under a retry storm; 100 %
    // lifts it (a request has at most one try in flight, so retries never outnumber requests).
    RetryBudget budget = cluster.getRetryBudget();
    RetryLimiter retryBudget =
        RetryLimiter.of(
            budget.getPercent() == 0 ? RetryRules.DEFAULT_BUDGET_PERCENT : budget.getPercent(),
            budget.getMinRetryConcurrency() == 0
                ? RetryRules.DEFAULT_MIN_RETRY_CONCURRENCY
                : budget.getMinRetryConcurrency(),
            state.retryBudget());
    state.settle(); // runs after the endpoints' states exist: only later ones slow-start
    return new CompiledCluster(
        cluster.getName(),
        endpoints,
        policy.balancer(
            inRotation,
            state,
            overprovisioning,
            cluster.getPanicThresholdPercent(),
            slowStart(cluster)),
        requestHash,
        connectTimeout,
        stats.cluster(cluster.getName()),
        retryBudget,
        cluster.getProtocol() == Cluster.Protocol.HTTP2
            ? UpstreamProtocol.HTTP2
            : UpstreamProtocol.HTTP1,
        circuitBreaker(cluster.getCircuitBreakers(), state.circuitBreaker()),
        new OutlierDetector(cluster.getName(), OutlierPolicy.of(cluster), endpoints, state),
        tls);
  }

  /** Unset compiles to {@link SlowStartPolicy#NONE}; the defaults are {@link BalancingRules}'. */
  private static SlowStartPolicy slowStart(Cluster cluster) {
    if (!cluster.hasSlowStart()) {
      return SlowStartPolicy.NONE;
    }
    SlowStart slowStart = cluster.getSlowStart();
    return new SlowStartPolicy(
        toDuration(slowStart.getWindow()),
        BalancingRules.minWeight(slowStart),
        BalancingRules.aggression(slowStart));
  }

  /** Unset (or all 0) compiles to {@link CircuitBreaker#none()}, which counts nothing. */
  private static CircuitBreaker circuitBreaker(
      CircuitBreakers breakers, CircuitBreakerCounters counters) {
    return CircuitBreaker.of(
        breakers.getMaxConnections(),
        breakers.getMaxPendingRequests(),
        breakers.getMaxRequests(),
        breakers.getMaxRetries(),
        counters);
  }

  private static BalancingPolicy balancingPolicy(Cluster.LbPolicy policy) {
    return switch (policy) {
      case LEAST_REQUEST -> BalancingPolicy.LEAST_REQUEST;
      case RANDOM -> BalancingPolicy.RANDOM;
      case RING_HASH -> BalancingPolicy.RING_HASH;
      case MAGLEV -> BalancingPolicy.MAGLEV;
      // ClusterRules refuse numbers this build does not know.
      case ROUND_ROBIN, LB_POLICY_UNSPECIFIED, UNRECOGNIZED -> BalancingPolicy.ROUND_ROBIN;
    };
  }

  /** The key a hashing cluster hashes; the client address when the cluster names none. */
  private static RequestHash requestHash(Cluster.HashPolicy policy) {
    return switch (policy.getKeyCase()) {
      case HEADER -> RequestHash.header(policy.getHeader());
      case COOKIE -> RequestHash.cookie(policy.getCookie());
      case PATH -> RequestHash.path();
      case SOURCE_IP, KEY_NOT_SET -> RequestHash.sourceIp();
    };
  }

  private CompiledRoute compileRoute(
      Route route, Map<String, CompiledCluster> clusters, List<PolicyCompiler<?>> routePolicies) {
    RouteMatch match = route.getMatch();
    List<String> hosts = new ArrayList<>();
    for (String host : match.getHostsList()) {
      String lower = host.toLowerCase(Locale.ROOT);
      if (!hosts.contains(lower)) {
        hosts.add(lower);
      }
    }
    PathKind kind =
        switch (match.getPathCase()) {
          case PATH_EXACT -> PathKind.EXACT;
          case PATH_PREFIX ->
              match.getPrefixMode() == RouteMatch.PrefixMode.STRING
                  ? PathKind.STRING_PREFIX
                  : PathKind.SEGMENT_PREFIX;
          case PATH_REGEX -> PathKind.REGEX;
          default -> PathKind.ANY;
        };
    String matchPath =
        switch (kind) {
          case EXACT -> match.getPathExact();
          case SEGMENT_PREFIX, STRING_PREFIX -> match.getPathPrefix();
          case REGEX -> match.getPathRegex();
          default -> "";
        };
    List<RequestPredicate> predicates = new ArrayList<>();
    if (match.getMethodsCount() > 0) {
      predicates.add(MethodPredicate.of(match.getMethodsList()));
    }
    // The client tests, cheapest first; each reads a fact its request computes at most once.
    if (match.getTimeWindowsCount() > 0) {
      predicates.add(TimeWindowPredicate.of(match.getTimeWindowsList()));
    }
    if (match.getSourceCidrsCount() > 0) {
      predicates.add(SourcePredicate.of(match.getSourceCidrsList()));
    }
    if (match.getDevicesCount() > 0) {
      predicates.add(DevicePredicate.of(match.getDevicesList()));
    }
    if (match.getCountriesCount() > 0) {
      predicates.add(CountryPredicate.of(match.getCountriesList()));
    }
    match.getHeadersList().forEach(h -> predicates.add(HeaderPredicate.of(h)));
    match.getQueryParametersList().forEach(q -> predicates.add(QueryPredicate.of(q)));
    PolicySet.Builder policySet = PolicySet.builder();
    if (route.getActionCase() == Route.ActionCase.FORWARD) {
      policySet.put(ForwardPolicy.KEY, compileForward(route, clusters));
    }
    for (PolicyCompiler<?> compiler : routePolicies) {
      compilePolicy(compiler, route, policySet);
    }
    return new CompiledRoute(
        route.getName(),
        hosts,
        kind,
        matchPath,
        predicates,
        policySet.build(),
        stats.route(route.getName()),
        route.getPriority(),
        kind == PathKind.REGEX ? RequestMatchRules.pattern(matchPath) : null);
  }

  private static <P> void compilePolicy(
      PolicyCompiler<P> compiler, Route route, PolicySet.Builder policySet) {
    P policy = compiler.compile(route);
    if (policy != null) {
      policySet.put(compiler.key(), policy);
    }
  }

  private static ForwardPolicy compileForward(Route route, Map<String, CompiledCluster> clusters) {
    ForwardAction forward = route.getForward();
    Duration timeout =
        forward.hasTimeout() ? toDuration(forward.getTimeout()) : DEFAULT_ROUTE_TIMEOUT;
    int maxAttempts =
        forward.getMaxAttempts() == 0 ? RouteRules.DEFAULT_ATTEMPTS : forward.getMaxAttempts();
    RequestRewrite rewrite =
        RequestRewrite.of(forward, route.getName(), route.getMatch().getPathPrefix());
    List<ClusterSplit.Share> shares = new ArrayList<>();
    for (WeightedCluster wc : forward.getClustersList()) {
      // SnapshotRules, checked first, refuses a route that names an unknown cluster.
      CompiledCluster cluster = requireNonNull(clusters.get(wc.getCluster()), wc.getCluster());
      shares.add(new ClusterSplit.Share(cluster, StickinessRules.weight(wc)));
    }
    return new ForwardPolicy(
        ClusterSplit.of(shares, compileStickiness(forward, route.getName())),
        timeout,
        maxAttempts,
        rewrite,
        forward.hasRetryPolicy()
            ? compileRetry(forward.getRetryPolicy())
            : RouteRetryPolicy.defaults(),
        forward.hasIdleTimeout() ? toDuration(forward.getIdleTimeout()) : Duration.ZERO);
  }

  private static @Nullable SplitStickiness compileStickiness(
      ForwardAction forward, String routeName) {
    Stickiness stickiness = forward.getStickiness();
    return switch (stickiness.getKeyCase()) {
      case COOKIE ->
          SplitStickiness.cookie(
              stickiness.getCookie().getName(),
              toDuration(stickiness.getCookie().getTtl()),
              stickiness.getCookie().getPath(),
              routeName);
      case HEADER -> SplitStickiness.header(stickiness.getHeader());
      default -> null;
    };
  }

  private static RouteRetryPolicy compileRetry(RetryPolicy policy) {
    EnumSet<RouteRetryPolicy.Condition> conditions =
        EnumSet.noneOf(RouteRetryPolicy.Condition.class);
    for (RetryPolicy.RetryOn on : policy.getRetryOnList()) {
      switch (on) {
        case CONNECT_FAILURE -> conditions.add(RouteRetryPolicy.Condition.CONNECT_FAILURE);
        case RESET -> conditions.add(RouteRetryPolicy.Condition.RESET);
        case STATUS_502 -> conditions.add(RouteRetryPolicy.Condition.STATUS_502);
        case STATUS_503 -> conditions.add(RouteRetryPolicy.Condition.STATUS_503);
        case STATUS_504 -> conditions.add(RouteRetryPolicy.Condition.STATUS_504);
        case PER_TRY_TIMEOUT -> conditions.add(RouteRetryPolicy.Condition.PER_TRY_TIMEOUT);
        default -> {} // SnapshotRules refuse the rest
      }
    }
    return RouteRetryPolicy.of(
        conditions,
        policy.hasPerTryTimeout() ? toDuration(policy.getPerTryTimeout()) : Duration.ZERO,
        toDuration(RetryRules.backoffBase(policy)),
        toDuration(RetryRules.backoffMax(policy)),
        policy.getRetryNonIdempotent());
  }

  private static Duration toDuration(com.google.protobuf.Duration d) {
    return ProtoTime.duration(d);
  }
}
