package dev.concierge.controlplane;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.NodeEnrollmentGrpc;
import dev.concierge.controlplane.acme.AcmeAccountKey;
import dev.concierge.controlplane.acme.AcmeOrders;
import dev.concierge.controlplane.acme.AcmeRenewals;
import dev.concierge.controlplane.acme.AcmeSettings;
import dev.concierge.controlplane.acme.FleetAcks;
import dev.concierge.controlplane.audit.AuditInterceptor;
import dev.concierge.controlplane.audit.AuditRetention;
import dev.concierge.controlplane.audit.AuditService;
import dev.concierge.controlplane.auth.AdminAuthInterceptor;
import dev.concierge.controlplane.auth.JoinTokens;
import dev.concierge.controlplane.auth.NodeCertificateInterceptor;
import dev.concierge.controlplane.auth.TokenFile;
import dev.concierge.controlplane.auth.TokenRegistry;
import dev.concierge.controlplane.auth.TokenService;
import dev.concierge.controlplane.crypto.FleetCa;
import dev.concierge.controlplane.crypto.NodeCertificates;
import dev.concierge.controlplane.dashboard.BrowserAddress;
import dev.concierge.controlplane.dashboard.DashboardAssets;
import dev.concierge.controlplane.dashboard.DashboardHandler;
import dev.concierge.controlplane.dashboard.DashboardRoutes;
import dev.concierge.controlplane.dashboard.ManagementBridge;
import dev.concierge.controlplane.dashboard.TokenSession;
import dev.concierge.controlplane.discovery.ConfigDiscoveryService;
import dev.concierge.controlplane.fleet.NodeEnrollmentService;
import dev.concierge.controlplane.fleet.NodeRegistry;
import dev.concierge.controlplane.fleet.NodeReportingService;
import dev.concierge.controlplane.fleet.NodeRevocationService;
import dev.concierge.controlplane.http.ControlPlaneHttpServer;
import dev.concierge.controlplane.http.MetricsHandler;
import dev.concierge.controlplane.management.ManagementService;
import dev.concierge.controlplane.management.ResponseWarnings;
import dev.concierge.controlplane.management.SnapshotPreflight;
import dev.concierge.controlplane.metrics.ControlPlaneMetrics;
import dev.concierge.controlplane.snapshot.SnapshotBuilder;
import dev.concierge.controlplane.snapshot.SnapshotCache;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.JdbcAuditLog;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.JdbcJoinTokens;
import dev.concierge.controlplane.store.JdbcRevokedNodes;
import dev.concierge.controlplane.store.JdbcTokens;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Composition of store, management, discovery and fleet; one per process. */
public final class ControlPlaneServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlaneServer.class);
  private static final long SHUTDOWN_GRACE_SECONDS = 5;

  /**
   * How often the store's revision is compared with the snapshot's. A write through this control
   * plane is built at once, without waiting for it; the poll catches writes by other control planes
   * on a shared PostgreSQL and retries failed builds, and one revision read a second costs nothing.
   */
  public static final Duration DEFAULT_REVISION_POLL = Duration.ofSeconds(1);

  /** How long before its not_after a certificate is flagged as expiring, unless configured. */
  public static final Duration DEFAULT_CERT_EXPIRY_WARNING = Duration.ofDays(14);

  /** How long audit events are kept unless configured otherwise. */
  public static final Duration DEFAULT_AUDIT_RETENTION = Duration.ofDays(90);

  /**
   * How often ACME-managed certificates are checked for renewal; creating one, or asking to renew
   * it, checks at once.
   */
  public static final Duration DEFAULT_ACME_CHECK = Duration.ofMinutes(1);

  /** How long an ACME order waits for the connected nodes to apply its challenges. */
  static final Duration ACME_NODE_WAIT = Duration.ofSeconds(30);

  private final Path dataDir;
  private final String jdbcUrl;
  private final String bindAddress;
  private final List<String> advertiseAddresses;
  private final int grpcPort;
  // -1: no HTTP port.
  private final int httpPort;
  private final @Nullable ServerBuilder<?> serverBuilder;
  private final Clock clock;
  private final Duration revisionPoll;
  private final Duration auditRetention;
  private final Duration certExpiryWarning;
  private final Duration nodeCertTtl;
  private final Optional<AcmeSettings> acme;
  private final Duration acmeCheck;

  private final Object lock = new Object();
  // All guarded by lock.
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private boolean started;
  private boolean closed;
  private @Nullable Server server;
  private @Nullable ControlPlaneHttpServer http;
  private @Nullable ConfigStore store;
  private @Nullable ConfigDiscoveryService discovery;
  private @Nullable HealthStatusManager health;
  private @Nullable String adminToken;
  private @Nullable JoinTokens joinTokens;
  private @Nullable Path caFile;

  private ControlPlaneServer(Builder b) {
    this.dataDir = requireNonNull(b.dataDir, "dataDir is required");
    this.jdbcUrl = b.jdbcUrl != null ? b.jdbcUrl : JdbcConfigStore.h2Url(b.dataDir);
    this.bindAddress = b.bindAddress;
    this.advertiseAddresses = List.copyOf(b.advertiseAddresses);
    this.grpcPort = b.grpcPort;
    this.httpPort =
        b.httpPort != null
            ? b.httpPort
            : b.serverBuilder != null
                ? -1
                : b.grpcPort == 0 || b.grpcPort == 65535 ? 0 : b.grpcPort + 1;
    this.serverBuilder = b.serverBuilder;
    this.clock = b.clock;
    this.revisionPoll = b.revisionPoll;
    this.auditRetention = b.auditRetention;
    this.certExpiryWarning = b.certExpiryWarning;
    this.nodeCertTtl = b.nodeCertTtl;
    this.acme = b.acme;
    this.acmeCheck = b.acmeCheck;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Options of a control plane; only the data directory is required. */
  public static final class Builder {
    private @Nullable Path dataDir;
    private @Nullable String jdbcUrl;
    private String bindAddress = "0.0.0.0";
    private List<String> advertiseAddresses = List.of();
    private int grpcPort = 7070;
    private @Nullable Integer httpPort;
    private @Nullable ServerBuilder<?> serverBuilder;
    private Clock clock = Clock.systemUTC();
    private Duration revisionPoll = DEFAULT_REVISION_POLL;
    private Duration auditRetention = DEFAULT_AUDIT_RETENTION;
    private Duration certExpiryWarning = DEFAULT_CERT_EXPIRY_WARNING;
    private Duration nodeCertTtl = NodeCertificates.DEFAULT_TTL;
    private Optional<AcmeSettings> acme = Optional.empty();
    private Duration acmeCheck = DEFAULT_ACME_CHECK;

    private Builder() {}

    /**
     * How long the client certificates issued to nodes are valid; nodes renew at about two thirds
     * of it. Default {@link NodeCertificates#DEFAULT_TTL}, at least {@link
     * NodeCertificates#MIN_TTL}.
     */
    public Builder nodeCertTtl(Duration ttl) {
      requireNonNull(ttl, "ttl");
      if (ttl.compareTo(NodeCertificates.MIN_TTL) < 0) {
        throw new IllegalArgumentException("node certificate ttl must be at least 5s, not " + ttl);
      }
      this.nodeCertTtl = ttl;
      return this;
    }

    /**
     * The ACME server that ACME-managed certificates are ordered from; without one, creating such a
     * certificate is refused.
     */
    public Builder acme(AcmeSettings settings) {
      this.acme = Optional.of(requireNonNull(settings, "settings"));
      return this;
    }

    /** How often ACME renewals are checked; default {@link #DEFAULT_ACME_CHECK}. */
    public Builder acmeCheck(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.toMillis() < 1) {
        throw new IllegalArgumentException("ACME check interval must be positive, not " + interval);
      }
      this.acmeCheck = interval;
      return this;
    }

    /** Where tokens, the master key and the H2 database live. */
    public Builder dataDir(Path dir) {
      this.dataDir = requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Default jdbc:h2:file:&lt;dataDir&gt;/concierge (see {@link JdbcConfigStore#h2Url}); a
     * jdbc:postgresql: URL works too.
     */
    public Builder jdbcUrl(String url) {
      this.jdbcUrl = requireNonNull(url, "url");
      return this;
    }

    public Builder bindAddress(String host) {
      this.bindAddress = requireNonNull(host, "host");
      return this;
    }

    /**
     * Host names and IP addresses that nodes and the CLI use to reach this control plane, besides
     * loopback, localhost and the host name: the gRPC port's TLS certificate names them all.
     */
    public Builder advertiseAddresses(List<String> names) {
      this.advertiseAddresses = List.copyOf(names);
      return this;
    }

    /** Default 7070; 0 picks a free port. */
    public Builder grpcPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0-65535, not " + port);
      }
      this.grpcPort = port;
      return this;
    }

    /**
     * The HTTP port (/metrics, later the dashboard), on bindAddress; 0 picks a free port. Default:
     * the gRPC port + 1 (7071), a free one when the gRPC port is 0, none with a supplied transport.
     */
    public Builder httpPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0-65535, not " + port);
      }
      this.httpPort = port;
      return this;
    }

    /**
     * Serves on this builder's transport instead of Netty on bindAddress:grpcPort, e.g. an
     * in-process server in tests; {@link #port()} is then -1.
     */
    public Builder serverBuilder(ServerBuilder<?> builder) {
      this.serverBuilder = requireNonNull(builder, "builder");
      return this;
    }

    /** The clock of timestamps; the system UTC clock unless a test fixes one. */
    public Builder clock(Clock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How often to look for revisions this control plane did not write (another one on the same
     * database did); default {@link #DEFAULT_REVISION_POLL}.
     */
    public Builder revisionPoll(Duration interval) {
      requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.toMillis() < 1) {
        throw new IllegalArgumentException("revision poll must be at least 1 ms, not " + interval);
      }
      this.revisionPoll = interval;
      return this;
    }

    /**
     * How long audit events are kept; older ones are deleted at start and then hourly. Default
     * {@link #DEFAULT_AUDIT_RETENTION}.
     */
    public Builder auditRetention(Duration retention) {
      requireNonNull(retention, "retention");
      if (retention.isNegative() || retention.toMillis() < 1) {
        throw new IllegalArgumentException("audit retention must be positive, not " + retention);
      }
      this.auditRetention = retention;
      return this;
    }

    /**
     * How long before its not_after a certificate is flagged as expiring in the API ({@code
     * Certificate.expiring}); default {@link #DEFAULT_CERT_EXPIRY_WARNING}. Zero flags only expired
     * ones.
     */
    public Builder certExpiryWarning(Duration window) {
      requireNonNull(window, "window");
      if (window.isNegative()) {
        throw new IllegalArgumentException(
            "certificate expiry warning must not be negative, not " + window);
      }
      this.certExpiryWarning = window;
      return this;
    }

    public ControlPlaneServer build() {
      return new ControlPlaneServer(this);
    }
  }

  /** Migrates the schema, then serves. */
  public ControlPlaneServer start() throws IOException {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("already started");
      }
      started = true;
      try {
        startLocked();
      } catch (IOException | RuntimeException e) {
        closeLocked();
        throw e;
      }
    }
    return this;
  }

  private void startLocked() throws IOException {
    Files.createDirectories(dataDir);
    adminToken = TokenFile.readOrCreate(dataDir.resolve("admin.token"));
    KeyCipher cipher = KeyCipher.fromDataDir(dataDir);
    FleetCa ca = FleetCa.loadOrCreate(dataDir, clock);
    caFile = ca.certificateFile();
    String holder = "control plane pid " + ProcessHandle.current().pid();
    DataDirLock dataDirLock = null;
    if (jdbcUrl.startsWith("jdbc:h2:file:")) {
      // Embedded H2 admits one process; say who holds it rather than H2's "may be already in use".
      dataDirLock = DataDirLock.acquire(dataDir, holder);
      resources.push(dataDirLock);
    }

    JdbcConfigStore jdbcStore = JdbcConfigStore.open(jdbcUrl, clock);
    store = jdbcStore;
    resources.push(jdbcStore);
    SnapshotCache snapshots =
        SnapshotCache.start(
            new SnapshotBuilder(jdbcStore, cipher, clock, certExpiryWarning),
            jdbcStore::revision,
            revisionPoll);
    resources.push(snapshots);
    jdbcStore.addListener(snapshots::onRevision);

    NodeRegistry registry =
        NodeRegistry.load(jdbcStore, () -> snapshots.current().getRevision(), clock);
    // Closed before the store: its last batch is written after the streams end (closeLocked).
    resources.push(registry);
    NodeReportingService reporting = new NodeReportingService(registry, clock);
    ConfigDiscoveryService streams = new ConfigDiscoveryService(snapshots, registry);
    discovery = streams;
    JdbcAuditLog auditLog = new JdbcAuditLog(jdbcStore.dataSource());
    AcmeRenewals renewals = null;
    if (acme.isPresent()) {
      AcmeOrders orders;
      try {
        orders = new AcmeOrders(acme.get(), AcmeAccountKey.loadOrCreate(dataDir));
      } catch (GeneralSecurityException e) {
        throw new IOException(
            "ACME: cannot trust " + acme.get().caFile() + ": " + e.getMessage(), e);
      }
      renewals =
          new AcmeRenewals(
              jdbcStore,
              cipher,
              clock,
              orders,
              new FleetAcks(registry, ACME_NODE_WAIT),
              auditLog::record);
      // Closed before the registry and the store (resources close in reverse order).
      resources.push(renewals);
    }
    ManagementService management =
        new ManagementService(
            jdbcStore,
            cipher,
            registry,
            reporting,
            () -> snapshots.current().getRevision(),
            new SnapshotPreflight(jdbcStore::readConfig),
            clock,
            certExpiryWarning,
            Optional.ofNullable(renewals));
    health = new HealthStatusManager();

    // Closed before the store (resources close in reverse order).
    resources.push(AuditRetention.start(auditLog, auditRetention, clock));
    TokenRegistry tokens =
        new TokenRegistry(adminToken, new JdbcTokens(jdbcStore.dataSource()), clock);
    JoinTokens joins =
        new JoinTokens(new JdbcJoinTokens(jdbcStore.dataSource()), clock, new SecureRandom());
    joinTokens = joins;
    JdbcRevokedNodes revoked = new JdbcRevokedNodes(jdbcStore.dataSource());
    ServerServiceDefinition managementApi =
        MethodOverlay.of(
            management.bindService(),
            Map.of(
                new TokenService(tokens, joins).bindService(),
                TokenService.METHODS,
                new AuditService(auditLog).bindService(),
                AuditService.METHODS,
                new NodeRevocationService(
                        revoked,
                        (nodeId, reason) -> {
                          streams.disconnect(nodeId, reason);
                          reporting.disconnect(nodeId, reason);
                        },
                        clock)
                    .bindService(),
                NodeRevocationService.METHODS));
    ControlPlaneMetrics metrics =
        new ControlPlaneMetrics(
            registry::list, () -> snapshots.current().getRevision(), reporting::reportCounts);
    registry.events(metrics);
    AdminAuthInterceptor adminAuth = new AdminAuthInterceptor(tokens);
    NodeCertificates nodeCertificates = new NodeCertificates(ca, nodeCertTtl, clock);
    // Identity from the TLS session's client certificate only; the join is the one open door.
    NodeCertificateInterceptor nodeAuth =
        new NodeCertificateInterceptor(nodeCertificates, revoked::isRevoked, Set.of());
    NodeCertificateInterceptor enrollmentAuth =
        new NodeCertificateInterceptor(
            nodeCertificates,
            revoked::isRevoked,
            Set.of(NodeEnrollmentGrpc.getJoinMethod().getBareMethodName()));
    NodeEnrollmentService enrollment =
        new NodeEnrollmentService(joins, revoked, nodeCertificates, auditLog, clock);
    ServerBuilder<?> builder =
        serverBuilder != null
            ? serverBuilder
            : NettyServerBuilder.forAddress(
                    new InetSocketAddress(bindAddress, grpcPort),
                    tls(ca, ca.serverCertificate(names())))
                // Nodes ping idle streams to notice dead control planes; do not punish them for it.
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                // Pings from our side find nodes that vanished without closing their stream.
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS);
    // The last interceptor runs first: audit sees every call, refused ones included.
    ServerServiceDefinition interceptedManagementApi =
        ServerInterceptors.intercept(
            managementApi,
            new ResponseWarnings(),
            adminAuth,
            new AuditInterceptor(auditLog, clock),
            metrics.managementCalls());
    server =
        builder
            .addService(interceptedManagementApi)
            .addService(ServerInterceptors.intercept(streams, nodeAuth))
            .addService(ServerInterceptors.intercept(reporting, nodeAuth))
            .addService(ServerInterceptors.intercept(enrollment, enrollmentAuth))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build()
            .start();
    health.setStatus("", ServingStatus.SERVING);
    if (httpPort >= 0) {
      DashboardHandler dashboard = dashboard(interceptedManagementApi, adminAuth);
      ControlPlaneHttpServer started =
          ControlPlaneHttpServer.builder(bindAddress, httpPort)
              .handle("/metrics", new MetricsHandler(metrics.registry()))
              .handle("", dashboard)
              .handle(DashboardHandler.PAGES, dashboard)
              .handle(DashboardHandler.API, dashboard)
              .start();
      http = started;
      resources.push(started);
      log.info(
          "control plane HTTP port on {}:{} (/metrics, dashboard at {})",
          bindAddress,
          started.port(),
          DashboardAssets.PREFIX);
    }
    if (renewals != null) {
      renewals.start(acmeCheck);
      log.info("ACME: ordering managed certificates from {}", acme.get().directory());
    }
    if (dataDirLock != null && serverBuilder == null) {
      dataDirLock.record(holder + " serving gRPC on " + bindAddress + ":" + server.getPort());
    }
    log.info(
        "control plane serving on {} at revision {} (database {}, TLS under the fleet CA {})",
        serverBuilder != null ? "a supplied transport" : bindAddress + ":" + server.getPort(),
        snapshots.current().getRevision(),
        jdbcUrl.startsWith("jdbc:h2:") ? jdbcUrl : jdbcUrl.replaceAll("\\?.*", ""),
        caFile);
  }

  /**
   * The web dashboard's handler. Its JSON bridge reaches the management API in process, through the
   * very interceptors of the network port, so browser calls are authenticated, limited by role,
   * audited and counted as the CLI's are.
   */
  private DashboardHandler dashboard(
      ServerServiceDefinition interceptedManagementApi, AdminAuthInterceptor adminAuth)
      throws IOException {
    String name = "dashboard-" + InProcessServerBuilder.generateName();
    // The audit log names the browser's address, which only the bridge can pass in here.
    Server inProcess =
        InProcessServerBuilder.forName(name)
            .addService(
                ServerInterceptors.intercept(interceptedManagementApi, new BrowserAddress()))
            .build()
            .start();
    resources.push(inProcess::shutdownNow);
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    resources.push(channel::shutdownNow);
    return new DashboardHandler(
        new DashboardRoutes(
            DashboardAssets.load(), new ManagementBridge(channel), new TokenSession(adminAuth)));
  }

  /**
   * TLS only: a plain-text client fails at its first frame. Client certificates are asked for and
   * checked against the fleet CA when given, never required at this layer (the CLI has none, and a
   * joining node none yet); the node services require one (NodeCertificateInterceptor).
   */
  private static TlsServerCredentials tls(FleetCa ca, FleetCa.ServerFiles files)
      throws IOException {
    return (TlsServerCredentials)
        TlsServerCredentials.newBuilder()
            .keyManager(files.certificateChain().toFile(), files.privateKey().toFile())
            .trustManager(ca.certificateFile().toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
            .build();
  }

  /** The names the gRPC certificate covers: loopback, this host, the bind and advertised ones. */
  private Set<String> names() {
    Set<String> names = new LinkedHashSet<>(List.of("127.0.0.1", "::1", "localhost"));
    try {
      names.add(InetAddress.getLocalHost().getHostName());
    } catch (UnknownHostException e) {
      log.debug("no host name for the gRPC certificate: {}", e.getMessage());
    }
    if (!bindAddress.equals("0.0.0.0") && !bindAddress.equals("::")) {
      names.add(bindAddress);
    }
    names.addAll(advertiseAddresses);
    return names;
  }

  /**
   * The fleet CA's certificate file (PEM, {@code <dataDir>/ca.crt}): what the CLI and the nodes
   * trust the gRPC port with.
   */
  public Path caCertificateFile() {
    synchronized (lock) {
      requireStarted();
      return requireNonNull(caFile, "caFile");
    }
  }

  /** The bound gRPC port (after start); -1 on a supplied non-network transport. */
  public int port() {
    synchronized (lock) {
      requireStarted();
      return requireNonNull(server, "server").getPort();
    }
  }

  /** The bound HTTP port (after start); -1 when there is none. */
  public int httpPort() {
    synchronized (lock) {
      requireStarted();
      return http == null ? -1 : http.port();
    }
  }

  /** The admin token, from &lt;dataDir&gt;/admin.token. */
  public String adminToken() {
    synchronized (lock) {
      requireStarted();
      return requireNonNull(adminToken, "adminToken");
    }
  }

  /**
   * A new join token valid for {@code ttl}, for a node this process starts itself (quickstart); the
   * secret is only in the answer. Others come from {@code concierge node token create}.
   */
  public String createJoinToken(Duration ttl, String createdBy) {
    JoinTokens j;
    synchronized (lock) {
      requireStarted();
      j = requireNonNull(joinTokens, "joinTokens");
    }
    return j.create(ttl, createdBy).secret();
  }

  /** The newest committed revision. */
  public long revision() {
    ConfigStore s;
    synchronized (lock) {
      requireStarted();
      s = requireNonNull(store, "store");
    }
    return s.revision();
  }

  public void awaitTermination() throws InterruptedException {
    Server s;
    synchronized (lock) {
      requireStarted();
      s = requireNonNull(server, "server");
    }
    s.awaitTermination();
  }

  private void requireStarted() {
    if (!started || server == null) {
      throw new IllegalStateException("not started");
    }
  }

  /**
   * Graceful stop, in order: no new calls, node streams ended with UNAVAILABLE, the node registry's
   * last batch written, snapshot builds stopped, database closed.
   */
  @Override
  public void close() {
    synchronized (lock) {
      closeLocked();
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    if (health != null) {
      health.enterTerminalState();
    }
    if (server != null) {
      server.shutdown();
    }
    if (discovery != null) {
      discovery.close();
    }
    if (server != null) {
      try {
        if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
          server.shutdownNow().awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        log.warn("closing failed", e);
      }
    }
  }
}
