package dev.concierge.dataplane;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.api.v1.ServedCertificateStatus;
import dev.concierge.dataplane.accesslog.AccessLog;
import dev.concierge.dataplane.accesslog.AccessLogDestination;
import dev.concierge.dataplane.admin.AdminServer;
import dev.concierge.dataplane.buffering.AdmissionPolicy;
import dev.concierge.dataplane.client.CidrSet;
import dev.concierge.dataplane.client.ClientSettings;
import dev.concierge.dataplane.client.GeoLocator;
import dev.concierge.dataplane.client.GeoTable;
import dev.concierge.dataplane.client.TrustedProxies;
import dev.concierge.dataplane.cluster.CircuitBreakerCounters;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.config.Backoff;
import dev.concierge.dataplane.config.ConfigClient;
import dev.concierge.dataplane.config.ConfigUpdates;
import dev.concierge.dataplane.config.ControlPlaneChannels;
import dev.concierge.dataplane.config.LastGoodSnapshot;
import dev.concierge.dataplane.dns.HostResolver;
import dev.concierge.dataplane.health.HealthChecker;
import dev.concierge.dataplane.health.OutlierSweeper;
import dev.concierge.dataplane.identity.Enrollment;
import dev.concierge.dataplane.identity.IdentityFiles;
import dev.concierge.dataplane.identity.IdentityKeyManager;
import dev.concierge.dataplane.limits.ListenerLimits;
import dev.concierge.dataplane.metrics.MetricSources;
import dev.concierge.dataplane.metrics.NodeMetrics;
import dev.concierge.dataplane.ratelimit.GlobalLimits;
import dev.concierge.dataplane.ratelimit.RedisRateLimitStore;
import dev.concierge.dataplane.routing.RouteTable;
import dev.concierge.dataplane.runtime.CompileException;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.EndpointHealthLog;
import dev.concierge.dataplane.stats.StatsReporter;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.tls.CertificateExpiry;
import dev.concierge.dataplane.tls.HandshakeMeter;
import dev.concierge.dataplane.trace.otlp.OtlpSettings;
import dev.concierge.dataplane.trace.otlp.SpanExport;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One proxy node: Jetty server, admin server, config client. */
public final class DataPlaneServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataPlaneServer.class);
  private static final String VERSION =
      Optional.ofNullable(DataPlaneServer.class.getPackage().getImplementationVersion())
          .orElse("0.1.0-SNAPSHOT");

  /** Default period of endpoint host name lookups. */
  public static final Duration DEFAULT_DNS_REFRESH = Duration.ofSeconds(30);

  /** Default time {@link #close()} lets requests in flight finish: 30 s. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private final Builder config;
  // Node-lifetime state: outlives every config swap; each runtime resolves references into it.
  private final EndpointRegistry endpoints = new EndpointRegistry();
  private final TrafficStats stats = new TrafficStats(endpoints);
  private final RuntimeHolder runtimes = new RuntimeHolder(this::retainStateOf);
  private final ConfigUpdates configUpdates;
  private final HostResolver resolver;
  private final RuntimeCompiler compiler;
  private final GlobalLimits globalLimits;
  private final CountDownLatch terminated = new CountDownLatch(1);

  private @Nullable ProxyServer proxy;
  private @Nullable AccessLog accessLog;
  private @Nullable SpanExport spanExport;
  private @Nullable AdminServer admin;
  private @Nullable ScheduledExecutorService scheduler;
  private volatile @Nullable HealthChecker health;
  private volatile @Nullable OutlierSweeper outliers;
  private @Nullable ControlPlaneChannels channels;
  private @Nullable ConfigClient configClient;
  private @Nullable Enrollment enrollment;
  private @Nullable StatsReporter statsReporter;
  private @Nullable String nodeId;
  private boolean started;
  private boolean closed;

  private DataPlaneServer(Builder builder) {
    this.config = builder;
    this.resolver = HostResolver.async(builder.dnsRefresh, InetAddress::getAllByName);
    this.globalLimits =
        builder.redis == null
            ? GlobalLimits.none()
            : GlobalLimits.of(
                RedisRateLimitStore.of(builder.redis, builder.redisPassword), System::nanoTime);
    this.compiler = new RuntimeCompiler(endpoints, stats, resolver, globalLimits);
    this.configUpdates = new ConfigUpdates(builder.clock);
  }

  /** A builder with the contract's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Settings of one node; see the contract for defaults. */
  public static final class Builder {
    private @Nullable List<String> controlPlanes;
    private @Nullable String joinToken;
    private @Nullable Path controlPlaneCa;
    private @Nullable String nodeId;
    private String bindAddress = "0.0.0.0";
    private int httpPort = 8080;
    private int httpsPort = 8443;
    private String adminBindAddress = "127.0.0.1";
    private int adminPort = 9901;
    private @Nullable Path cacheDir;
    private @Nullable Path cacheKeyFile;
    private Map<String, String> labels = Map.of();
    private Duration reportInterval = Duration.ofSeconds(5);
    private AdmissionPolicy admission = AdmissionPolicy.defaults();
    private ProxyServer.Transport upstreamTransport = ProxyServer.Transport.LEAN;
    private CidrSet trustedProxies = CidrSet.empty();
    private @Nullable String geoHeader;
    private @Nullable Path geoCsv;
    private InstantSource clock = InstantSource.system();
    private Duration dnsRefresh = DEFAULT_DNS_REFRESH;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private AccessLogDestination accessLog = AccessLogDestination.stdout();
    private @Nullable OtlpSettings tracing;
    private @Nullable String redis;
    private @Nullable String redisPassword;

    private Builder() {}

    /**
     * The Redis that GLOBAL rate limits share with the rest of the fleet ({@code
     * redis://host:port}, {@code rediss://} for TLS), with its password when not null; default
     * none, where each request of a GLOBAL limit is decided by its {@code on_store_error}.
     *
     * @throws IllegalArgumentException if {@code uri} is not a Redis URI
     */
    public Builder redis(String uri, @Nullable String password) {
      RedisRateLimitStore.check(uri);
      this.redis = uri;
      this.redisPassword = password;
      return this;
    }

    /**
     * Exports the proxy hop's span of each sampled request to an OTLP collector; default off (the
     * traceparent is still passed on, new traces unsampled).
     */
    public Builder tracing(OtlpSettings settings) {
      this.tracing = requireNonNull(settings, "settings");
      return this;
    }

    /** Where the access log goes; default standard output. */
    public Builder accessLog(AccessLogDestination destination) {
      this.accessLog = requireNonNull(destination, "destination");
      return this;
    }

    /**
     * How long {@link DataPlaneServer#close()} waits for requests in flight before it cuts them;
     * default 30 s, zero stops at once.
     */
    public Builder drainTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout must not be negative: " + timeout);
      }
      this.drainTimeout = timeout;
      return this;
    }

    /**
     * Peers whose X-Forwarded-For (and geo header) the node believes, as CIDR blocks; default none.
     *
     * @throws IllegalArgumentException naming a block that is not valid
     */
    public Builder trustedProxies(List<String> cidrs) {
      this.trustedProxies = CidrSet.of(cidrs);
      return this;
    }

    /** The header a trusted proxy puts the client's country in, e.g. "CF-IPCountry". */
    public Builder geoHeader(String name) {
      this.geoHeader = requireNonNull(name, "name");
      return this;
    }

    /** A CSV file of {@code cidr,CC} lines giving client countries; read at start. */
    public Builder geoCsv(Path file) {
      this.geoCsv = requireNonNull(file, "file");
      return this;
    }

    /** The wall clock of routes' time windows; default the system's (tests set one). */
    public Builder clock(InstantSource source) {
      this.clock = requireNonNull(source, "source");
      return this;
    }

    /** How often endpoint host names are looked up again; default 30 s. */
    public Builder dnsRefresh(Duration refresh) {
      if (refresh.isNegative() || refresh.isZero()) {
        throw new IllegalArgumentException("dnsRefresh must be positive: " + refresh);
      }
      this.dnsRefresh = refresh;
      return this;
    }

    /** Which upstream transport the proxy uses; default {@link ProxyServer.Transport#LEAN}. */
    public Builder upstreamTransport(ProxyServer.Transport transport) {
      this.upstreamTransport = requireNonNull(transport, "transport");
      return this;
    }

    /** Required: "host:port" of each control plane; fail over in order. */
    public Builder controlPlanes(List<String> hostPorts) {
      this.controlPlanes = List.copyOf(hostPorts);
      return this;
    }

    /**
     * A join token ({@code concierge node token create}): how the node gets its client certificate
     * the first time, and again if it expired. Not needed when the cache directory holds a
     * certificate of this node that is still valid.
     */
    public Builder joinToken(String token) {
      this.joinToken = requireNonNull(token, "token");
      return this;
    }

    /**
     * The PEM file of the CA that signed the control planes' gRPC certificates ({@code ca.crt} in a
     * control plane's data dir); without it the JVM's default trust store is used. The channel is
     * TLS either way.
     */
    public Builder controlPlaneCa(Path pemFile) {
      this.controlPlaneCa = requireNonNull(pemFile, "pemFile");
      return this;
    }

    /** Default "&lt;hostname&gt;-&lt;httpPort&gt;" (the bound port when 0). */
    public Builder nodeId(String id) {
      this.nodeId = requireNonNull(id, "id");
      return this;
    }

    /** HTTP listener address, default "0.0.0.0". */
    public Builder bindAddress(String host) {
      this.bindAddress = requireNonNull(host, "host");
      return this;
    }

    /** Default 8080; 0 = ephemeral. */
    public Builder httpPort(int port) {
      this.httpPort = port;
      return this;
    }

    /**
     * HTTPS listener port on the bind address, serving the control plane's certificates by SNI;
     * default 8443; 0 = ephemeral; {@link ProxyServer#NO_HTTPS} = no HTTPS listener.
     */
    public Builder httpsPort(int port) {
      if (port < ProxyServer.NO_HTTPS || port > 65_535) {
        throw new IllegalArgumentException("httpsPort must be 0-65535 or NO_HTTPS: " + port);
      }
      this.httpsPort = port;
      return this;
    }

    /** Default "127.0.0.1". */
    public Builder adminBindAddress(String host) {
      this.adminBindAddress = requireNonNull(host, "host");
      return this;
    }

    /** Default 9901; 0 = ephemeral. */
    public Builder adminPort(int port) {
      this.adminPort = port;
      return this;
    }

    /** Optional: the last-good snapshot is kept here and loaded at start. */
    public Builder cacheDir(Path dir) {
      this.cacheDir = dir;
      return this;
    }

    /**
     * The key that seals certificate keys in the cache; default {@code <cacheDir>/cache.key},
     * created (0600) when absent. Kept apart from the cache (e.g. on a secrets mount), a copy of
     * the cache directory reveals no key.
     */
    public Builder cacheKeyFile(Path file) {
      this.cacheKeyFile = requireNonNull(file, "file");
      return this;
    }

    /** Optional labels reported to the control plane. */
    public Builder labels(Map<String, String> labels) {
      this.labels = Map.copyOf(labels);
      return this;
    }

    /** How often counters are reported; default 5 s (shorter in tests). */
    public Builder reportInterval(Duration interval) {
      this.reportInterval = requireNonNull(interval, "interval");
      return this;
    }

    /** Client deadlines and request body buffering; default {@link AdmissionPolicy#defaults()}. */
    public Builder admission(AdmissionPolicy policy) {
      this.admission = requireNonNull(policy, "policy");
      return this;
    }

    /** Checks the required settings. */
    public DataPlaneServer build() {
      if (controlPlanes == null || controlPlanes.isEmpty()) {
        throw new IllegalStateException("controlPlanes is required");
      }
      if (geoHeader != null && geoCsv != null) {
        throw new IllegalStateException("give a geo header or a geo CSV file, not both");
      }
      if (geoHeader != null && trustedProxies.isEmpty()) {
        throw new IllegalStateException(
            "a geo header is read only from trusted proxies: give the trusted proxies too");
      }
      return new DataPlaneServer(this);
    }
  }

  /** Starts serving; returns at once, configuration arrives asynchronously. */
  public synchronized DataPlaneServer start() throws Exception {
    if (started) {
      throw new IllegalStateException("already started");
    }
    started = true;
    try {
      startComponents();
    } catch (Exception | Error e) {
      // Leave nothing listening or running behind a failed start (e.g. a port in use).
      close();
      throw e;
    }
    return this;
  }

  private void startComponents() throws Exception {
    // Before the first runtime, cached or pushed, so that every runtime put in force is checked.
    health = HealthChecker.start();
    outliers = OutlierSweeper.start();
    LastGoodSnapshot cache = config.cacheDir == null ? null : cache(config.cacheDir);
    if (cache != null) {
      loadCached(cache);
    }

    ChainSettings chain =
        ChainSettings.defaults()
            .withStats(stats)
            .withAdmission(config.admission)
            .withClient(clientSettings());
    AccessLog log = AccessLog.start(config.accessLog, ThreadLocalRandom::current);
    accessLog = log;
    if (log != null) {
      chain = chain.withLog(log);
    }
    SpanExport spans = config.tracing == null ? null : SpanExport.start(config.tracing, VERSION);
    spanExport = spans;
    if (spans != null) {
      chain = chain.withLog(log != null ? log.andThen(spans) : spans).withSampler(spans.sampler());
    }
    proxy =
        new ProxyServer(
                config.bindAddress,
                config.httpPort,
                config.httpsPort,
                runtimes,
                chain,
                config.upstreamTransport)
            .start();
    dev.concierge.dataplane.runtime.Runtime cached = runtimes.get();
    if (cached != null) {
      proxy.connectionLimits(ListenerLimits.of(cached.snapshot()));
    }

    String id = config.nodeId != null ? config.nodeId : hostName() + "-" + proxy.port();
    nodeId = id;
    if (spans != null) {
      spans.nodeId(id);
    }
    scheduler =
        Executors.newScheduledThreadPool(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "concierge-config");
              thread.setDaemon(true);
              return thread;
            });
    IdentityKeyManager identity = new IdentityKeyManager(config.clock);
    channels =
        new ControlPlaneChannels(
            requireNonNull(config.controlPlanes, "controlPlanes"),
            ControlPlaneChannels.credentials(config.controlPlaneCa, identity));
    enrollment =
        new Enrollment(
            id,
            config.joinToken,
            config.cacheDir == null ? null : new IdentityFiles(config.cacheDir),
            identity,
            channels,
            config.clock,
            Backoff.defaults(new Random()),
            scheduler);
    if (!enrollment.load()) {
      throw new IllegalStateException(
          "node "
              + nodeId
              + " has no certificate"
              + (config.cacheDir == null ? "" : " in " + config.cacheDir)
              + " and no join token: give one (concierge node token create)");
    }
    statsReporter =
        new StatsReporter(
            stats,
            nodeId,
            channels::current,
            scheduler,
            config.reportInterval,
            Clock.systemUTC(),
            new EndpointHealthLog(this::clustersInForce, Clock.systemUTC()),
            this::certificateStatuses);
    ProxyServer serving = requireNonNull(proxy, "proxy");
    HandshakeMeter handshakes = serving.tlsHandshakes();
    NodeMetrics metrics =
        new NodeMetrics(
            new MetricSources(
                stats,
                this::clustersInForce,
                serving::listenerConnections,
                handshakes != null ? handshakes : new HandshakeMeter(),
                runtimes::revision,
                configUpdates,
                this::certificateStatuses,
                config.clock,
                this::accessLogDropped,
                this::traceSpansLost,
                this::routesInForce,
                globalLimits::storeErrors));
    admin =
        new AdminServer(
            config.adminBindAddress, config.adminPort, runtimes, statsReporter, metrics);
    admin.start();

    NodeInfo node =
        NodeInfo.newBuilder()
            .setId(nodeId)
            .setAddress(advertisedHost() + ":" + proxy.port())
            .setVersion(VERSION)
            .putAllLabels(config.labels)
            .build();
    RandomGenerator random = new Random();
    configClient =
        new ConfigClient(
            channels,
            node,
            compiler,
            runtimes,
            snapshot -> save(cache, snapshot),
            Backoff.defaults(random),
            scheduler,
            configUpdates);
    ConfigClient startedConfig = configClient;
    StatsReporter startedStats = statsReporter;
    // Discovery and reporting need the node's certificate: they start once it has one.
    enrollment.start(
        () -> {
          startedConfig.start();
          startedStats.start();
        });
    LOG.info(
        "node {} serving HTTP on {}:{}{}, admin on {}:{}",
        nodeId,
        config.bindAddress,
        proxy.port(),
        proxy.httpsPort() == ProxyServer.NO_HTTPS ? "" : ", HTTPS on port " + proxy.httpsPort(),
        config.adminBindAddress,
        admin.port());
  }

  private LastGoodSnapshot cache(Path dir) throws IOException {
    Path keyFile =
        config.cacheKeyFile != null
            ? config.cacheKeyFile
            : dir.resolve(LastGoodSnapshot.KEY_FILE_NAME);
    return new LastGoodSnapshot(dir, KeyCipher.fromFile(keyFile));
  }

  private ClientSettings clientSettings() throws IOException {
    GeoLocator geo = GeoLocator.none();
    if (config.geoHeader != null) {
      geo = GeoLocator.header(config.geoHeader);
    } else if (config.geoCsv != null) {
      GeoTable table = GeoTable.read(config.geoCsv);
      LOG.info("geo table {}: {} ranges", config.geoCsv, table.size());
      geo = GeoLocator.table(table);
    }
    return new ClientSettings(TrustedProxies.of(config.trustedProxies), geo, config.clock);
  }

  /** Drops the node-lifetime state of routes, clusters and endpoints the runtime no longer has. */
  private Map<String, CompiledCluster> clustersInForce() {
    dev.concierge.dataplane.runtime.Runtime runtime = runtimes.get();
    return runtime == null ? Map.of() : runtime.clusters();
  }

  private RouteTable routesInForce() {
    RouteTable routes = runtimes.routes();
    return routes == null ? RouteTable.empty() : routes;
  }

  private List<ServedCertificateStatus> certificateStatuses(Instant now) {
    dev.concierge.dataplane.runtime.Runtime runtime = runtimes.get();
    return runtime == null
        ? List.of()
        : CertificateExpiry.statuses(
            runtime.certificates(), runtime.snapshot().getCertificateExpiryWarning(), now);
  }

  private void retainStateOf(dev.concierge.dataplane.runtime.Runtime runtime) {
    stats.retain(runtime.routeNames(), runtime.clusters().keySet());
    endpoints.retain(runtime.endpointAddresses());
    java.util.Set<String> names = new java.util.HashSet<>();
    runtime
        .clusters()
        .values()
        .forEach(c -> c.endpoints().forEach(e -> names.add(e.resolved().name())));
    resolver.retain(names);
    ProxyServer server = proxy;
    if (server != null) {
      java.util.Set<UpstreamTlsPolicy> policies = new java.util.HashSet<>();
      runtime
          .clusters()
          .values()
          .forEach(
              c -> {
                UpstreamTlsPolicy tls = c.tls();
                if (tls != null) {
                  policies.add(tls);
                }
              });
      server.retainTls(policies);
      server.connectionLimits(ListenerLimits.of(runtime.snapshot()));
    }
    HealthChecker checker = health;
    if (checker != null) {
      checker.update(runtime);
    }
    OutlierSweeper sweeper = outliers;
    if (sweeper != null) {
      sweeper.update(runtime.clusters());
    }
  }

  private void loadCached(LastGoodSnapshot cache) {
    try {
      Optional<ConfigSnapshot> snapshot = cache.load();
      if (snapshot.isPresent()) {
        runtimes.set(compiler.compile(snapshot.get()));
        configUpdates.applied();
        LOG.info(
            "serving cached configuration revision {} until the control plane answers",
            snapshot.get().getRevision());
      }
    } catch (IOException | CompileException e) {
      LOG.warn("ignoring cached configuration in {}: {}", cache.file(), e.getMessage());
    }
  }

  private static void save(@Nullable LastGoodSnapshot cache, ConfigSnapshot snapshot) {
    if (cache == null) {
      return;
    }
    try {
      cache.save(snapshot);
    } catch (IOException e) {
      LOG.warn(
          "could not cache configuration revision {}: {}", snapshot.getRevision(), e.toString());
    }
  }

  private String advertisedHost() {
    String bind = config.bindAddress;
    return bind.equals("0.0.0.0") || bind.equals("::") ? hostName() : bind;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /** The bound HTTP port (after start). */
  public int httpPort() {
    return requireNonNull(proxy, "not started").port();
  }

  /** The bound HTTPS port (after start), or {@link ProxyServer#NO_HTTPS}. */
  public int httpsPort() {
    return requireNonNull(proxy, "not started").httpsPort();
  }

  /** The bound admin port (after start). */
  public int adminPort() {
    return requireNonNull(admin, "not started").port();
  }

  /**
   * Whether the node's health checks hold endpoint {@code address} ("host:port") of cluster {@code
   * cluster} healthy, or {@code null} when the node has no such endpoint (tests, admin).
   */
  public @Nullable Boolean endpointHealthy(String cluster, String address) {
    var state = endpoints.find(cluster, address);
    return state == null ? null : state.isHealthy();
  }

  /**
   * The circuit-breaker counts of cluster {@code cluster}, or {@code null} when the node has no
   * such cluster (tests, admin).
   */
  public @Nullable CircuitBreakerCounters circuitBreakerCounts(String cluster) {
    var state = endpoints.find(cluster);
    return state == null ? null : state.circuitBreaker();
  }

  /**
   * Access log lines dropped because the writer fell behind (or could not write); 0 when the log is
   * off.
   */
  public long accessLogDropped() {
    AccessLog log = accessLog;
    return log == null ? 0 : log.dropped();
  }

  /**
   * Spans the OTLP export lost (queue full, or not accepted by the collector); 0 when it is off.
   */
  public long traceSpansLost() {
    SpanExport spans = spanExport;
    return spans == null ? 0 : spans.lost();
  }

  /** The revision in force, or -1 until the first configuration is applied. */
  public long appliedRevision() {
    return runtimes.revision();
  }

  /** The node id (resolved at start when defaulted). */
  public @Nullable String nodeId() {
    return nodeId != null ? nodeId : config.nodeId;
  }

  /** Blocks until {@link #close()} has finished. */
  public void awaitTermination() throws InterruptedException {
    terminated.await();
  }

  /**
   * Drains, then stops: {@code /ready} answers 503 at once, the proxy port stops accepting
   * connections and tells open ones to close after their next response, the requests in flight
   * finish (up to the drain timeout; later ones are cut), and then everything stops. The config
   * client keeps running while the node drains, so an endpoint change still reaches it.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (admin != null) {
        admin.draining();
      }
      if (proxy != null) {
        LOG.info("draining: waiting up to {} for requests in flight", config.drainTimeout);
        try {
          proxy.close(config.drainTimeout);
        } catch (IllegalStateException e) {
          LOG.warn("proxy server did not stop cleanly (drain timeout {})", config.drainTimeout, e);
        }
      }
      if (configClient != null) {
        configClient.close();
      }
      if (enrollment != null) {
        enrollment.close();
      }
      if (statsReporter != null) {
        statsReporter.close();
      }
      if (scheduler != null) {
        scheduler.shutdownNow();
      }
      if (health != null) {
        health.close();
      }
      if (outliers != null) {
        outliers.close();
      }
      if (channels != null) {
        channels.close();
      }
      resolver.close();
      if (admin != null) {
        admin.close();
      }
      if (accessLog != null) {
        accessLog.close(); // after the proxy: the last requests' lines are written
      }
      if (spanExport != null) {
        spanExport.close(); // after the proxy: the last requests' spans are sent
      }
      globalLimits.close(); // after the proxy: its last requests may still lease
    } finally {
      terminated.countDown();
    }
  }
}
