package dev.concierge.cli;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.ProxyServer;
import dev.concierge.dataplane.accesslog.AccessLogDestination;
import dev.concierge.dataplane.buffering.AdmissionPolicy;
import dev.concierge.dataplane.trace.otlp.OtlpSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code concierge data-plane}: runs one proxy node until SIGINT/SIGTERM. */
@Command(
    name = "data-plane",
    description = "Run a proxy node that takes its configuration from the control plane.")
final class DataPlaneCommand implements Callable<Integer> {

  static final String ENV_JOIN_TOKEN = "CONCIERGE_JOIN_TOKEN";

  private static final Logger log = LoggerFactory.getLogger(DataPlaneCommand.class);

  @ParentCommand ConciergeCommand root;

  @Spec CommandSpec spec;

  @SuppressWarnings("NullAway.Init") // picocli sets it: required
  @Option(
      names = "--control-plane",
      required = true,
      split = ",",
      paramLabel = "HOST:PORT",
      description = "Control plane address(es), tried in order.")
  List<String> controlPlanes;

  @Mixin NodePorts ports = new NodePorts();

  @Mixin RedisOptions redis = new RedisOptions();

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--bind",
      paramLabel = "HOST",
      defaultValue = "0.0.0.0",
      description = "Proxy listen address (default ${DEFAULT-VALUE}).")
  String bind;

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--admin-bind",
      paramLabel = "HOST",
      defaultValue = "127.0.0.1",
      description = "Admin listen address (default ${DEFAULT-VALUE}).")
  String adminBind;

  @Option(names = "--node-id", paramLabel = "ID", description = "Default <hostname>-<http-port>.")
  @Nullable String nodeId;

  @Option(
      names = "--join-token",
      paramLabel = "TOKEN",
      description =
          "Join token from `concierge node token create` (or --join-token-file, or env"
              + " CONCIERGE_JOIN_TOKEN): gets the node its client certificate. Not needed when"
              + " --cache-dir holds a certificate of this node that is still valid.")
  @Nullable String joinToken;

  @Option(
      names = "--join-token-file",
      paramLabel = "FILE",
      description = "File holding the join token.")
  @Nullable Path joinTokenFile;

  @Option(
      names = "--cache-dir",
      paramLabel = "DIR",
      description =
          "Keeps the last good configuration to start from when the control plane is down.")
  @Nullable Path cacheDir;

  @Option(
      names = "--cache-key-file",
      paramLabel = "FILE",
      description =
          "Key sealing the certificate keys in the cache (default DIR/cache.key, made when"
              + " absent); keep it apart from the cache, e.g. on a secrets mount.")
  @Nullable Path cacheKeyFile;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Node label; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(
      names = "--client-body-buffer",
      paramLabel = "SIZE",
      converter = Sizes.Converter.class,
      description =
          "Request body bytes kept in memory; larger bodies go to a temp file (default 16k).")
  @Nullable Long clientBodyBuffer;

  @Option(
      names = "--client-max-body",
      paramLabel = "SIZE",
      converter = Sizes.Converter.class,
      description = "Largest request body, 413 above; 0 = unlimited (default 1m).")
  @Nullable Long clientMaxBody;

  @Option(
      names = "--client-header-timeout",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      description = "Total time for a request's header block (default 10s).")
  com.google.protobuf.@Nullable Duration clientHeaderTimeout;

  @Option(
      names = "--client-body-timeout",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      description = "Total time for a request body, 408 after (default 30s).")
  com.google.protobuf.@Nullable Duration clientBodyTimeout;

  @Option(
      names = "--dns-refresh",
      paramLabel = "DURATION",
      converter = Durations.DnsRefreshConverter.class,
      description =
          "How often endpoint host names are looked up again, above 0 and at most 1h (default"
              + " 30s).")
  com.google.protobuf.@Nullable Duration dnsRefresh;

  @Option(
      names = "--drain-timeout",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      description =
          "On SIGTERM (or Ctrl-C) the node drains: admin /ready answers 503, the proxy port stops"
              + " accepting, open connections get Connection: close, and requests in flight have"
              + " this long to finish before they are cut; then it exits 0. 0s stops at once"
              + " (default 30s).")
  com.google.protobuf.@Nullable Duration drainTimeout;

  @Option(
      names = "--trusted-proxy",
      paramLabel = "CIDR",
      description =
          "A proxy in front of the node, e.g. 10.0.0.0/8 or 2001:db8::/32; repeatable. From these"
              + " peers X-Forwarded-For is believed (the client is its first untrusted hop from the"
              + " right, and this hop appends to it) and --geo-header is read. Default none.")
  List<String> trustedProxies = new ArrayList<>();

  @Option(
      names = "--geo-header",
      paramLabel = "NAME",
      description =
          "Header a trusted proxy puts the client's country in (e.g. CF-IPCountry), for routes'"
              + " --country; needs --trusted-proxy.")
  @Nullable String geoHeader;

  @Option(
      names = "--geo-csv",
      paramLabel = "FILE",
      description =
          "CSV of cidr,CC lines (IPv4 and IPv6, blocks not overlapping) giving clients' countries,"
              + " for routes' --country; read at start.")
  @Nullable Path geoCsv;

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--access-log",
      paramLabel = "stdout|off|PATH",
      defaultValue = "stdout",
      description =
          "Where the access log goes (one JSON object per request): stdout, off, or a file rotated"
              + " by size (default ${DEFAULT-VALUE}).")
  String accessLog;

  @Option(
      names = "--access-log-max-size",
      paramLabel = "SIZE",
      converter = Sizes.Converter.class,
      description = "Size an access log file is rotated at (default 100m).")
  @Nullable Long accessLogMaxSize;

  @Option(
      names = "--access-log-max-files",
      paramLabel = "N",
      description = "Rotated access log files kept: PATH.1 ... PATH.N (default 5).")
  @Nullable Integer accessLogMaxFiles;

  @Option(
      names = "--otlp-endpoint",
      paramLabel = "URL",
      description =
          "Export the proxy hop's span of each sampled request to this OpenTelemetry collector"
              + " over OTLP/HTTP (protobuf), e.g. http://127.0.0.1:4318 (spans go to /v1/traces"
              + " unless the URL has a path); default off.")
  @Nullable String otlpEndpoint;

  @Option(
      names = "--trace-sample-ratio",
      paramLabel = "R",
      description =
          "With --otlp-endpoint: the ratio (0..1) of the traces the node starts that are sampled"
              + " (default 1); a request's own traceparent decides for the trace it continues.")
  @Nullable Double traceSampleRatio;

  @Option(
      names = "--otlp-service-name",
      paramLabel = "NAME",
      description = "With --otlp-endpoint: the spans' service.name (default concierge-node).")
  @Nullable String otlpServiceName;

  @Override
  public Integer call() {
    java.time.Duration refresh =
        dnsRefresh != null ? javaDuration(dnsRefresh) : DataPlaneServer.DEFAULT_DNS_REFRESH;
    jdkDnsCache(refresh); // before anything looks a name up
    for (String cp : controlPlanes) {
      try {
        Endpoints.hostPort(cp);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(
            spec.commandLine(), "Invalid value for option '--control-plane': " + e.getMessage());
      }
    }
    String token = joinToken();
    AdmissionPolicy admission = admission();
    AccessLogDestination accessLogTo = accessLogDestination();
    OtlpSettings tracing = tracing();
    RedisOptions.Target redisTarget = redis.target(spec.commandLine());
    ServerSupport.ensurePortFree(bind, ports.http, "--http-port");
    if (ports.https != ProxyServer.NO_HTTPS) {
      ServerSupport.ensurePortFree(bind, ports.https, "--https-port");
    }
    ServerSupport.ensurePortFree(adminBind, ports.admin, "--admin-port");
    DataPlaneServer.Builder builder =
        DataPlaneServer.builder()
            .controlPlanes(List.copyOf(controlPlanes))
            .bindAddress(bind)
            .httpPort(ports.http)
            .httpsPort(ports.https)
            .adminBindAddress(adminBind)
            .adminPort(ports.admin)
            .labels(Map.copyOf(labels));
    if (token != null) {
      builder.joinToken(token);
    }
    Path ca = controlPlaneCa();
    if (ca != null) {
      builder.controlPlaneCa(ca);
    } else {
      log.warn(
          "no --ca-file: the control plane's TLS certificate must chain to one of the JVM's"
              + " default CAs; a Concierge control plane's own CA is ca.crt in its data dir");
    }
    if (nodeId != null) {
      builder.nodeId(nodeId);
    }
    if (cacheDir != null) {
      builder.cacheDir(cacheDir);
    }
    if (cacheKeyFile != null) {
      if (cacheDir == null) {
        throw new ParameterException(spec.commandLine(), "--cache-key-file requires --cache-dir");
      }
      builder.cacheKeyFile(cacheKeyFile);
    }
    builder.admission(admission);
    builder.dnsRefresh(refresh);
    if (drainTimeout != null) {
      builder.drainTimeout(javaDuration(drainTimeout));
    }
    clientSettings(builder);
    if (redisTarget != null) {
      builder.redis(redisTarget.uri(), redisTarget.password());
    }
    builder.accessLog(accessLogTo);
    if (tracing != null) {
      builder.tracing(tracing);
    }
    DataPlaneServer server = builder.build();
    try {
      server.start();
    } catch (Exception e) {
      server.close();
      throw new CommandFailure("cannot start the data plane: " + ErrorHandlers.describe(e), e);
    }
    log.info(
        "node {}: proxy on {}:{}, admin on {}:{}, HTTPS {}, control plane {}",
        server.nodeId(),
        bind,
        server.httpPort(),
        adminBind,
        server.adminPort(),
        server.httpsPort() == ProxyServer.NO_HTTPS ? "off" : "on port " + server.httpsPort(),
        String.join(",", controlPlanes));
    ServerSupport.serveUntilStopped(
        "data-plane",
        () -> {
          log.info("stopping node {}", server.nodeId());
          server.close();
        },
        server::awaitTermination);
    return 0;
  }

  /** --access-log and its rotation settings; rotation without a file is a usage error. */
  AccessLogDestination accessLogDestination() {
    String target = accessLog.strip();
    boolean file = !target.equals("stdout") && !target.equals("off");
    if (!file && (accessLogMaxSize != null || accessLogMaxFiles != null)) {
      throw new ParameterException(
          spec.commandLine(),
          "--access-log-max-size and --access-log-max-files need --access-log PATH");
    }
    if (target.isEmpty()) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--access-log': stdout, off or a file");
    }
    if (!file) {
      return target.equals("off") ? AccessLogDestination.off() : AccessLogDestination.stdout();
    }
    try {
      return new AccessLogDestination.File(
          Path.of(target),
          accessLogMaxSize != null ? accessLogMaxSize : AccessLogDestination.DEFAULT_MAX_BYTES,
          accessLogMaxFiles != null ? accessLogMaxFiles : AccessLogDestination.DEFAULT_MAX_FILES);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /**
   * --otlp-endpoint and its settings, or null when spans are not exported; a setting without the
   * endpoint, or a bad value, is a usage error.
   */
  @Nullable OtlpSettings tracing() {
    if (otlpEndpoint == null) {
      if (traceSampleRatio != null || otlpServiceName != null) {
        throw new ParameterException(
            spec.commandLine(),
            "--trace-sample-ratio and --otlp-service-name need --otlp-endpoint");
      }
      return null;
    }
    try {
      OtlpSettings settings = OtlpSettings.of(otlpEndpoint);
      if (traceSampleRatio != null) {
        settings = settings.withSampleRatio(traceSampleRatio);
      }
      if (otlpServiceName != null) {
        settings = settings.withServiceName(otlpServiceName);
      }
      return settings;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  /** The trusted proxies and geo source; a bad block or a missing pairing is a usage error. */
  private void clientSettings(DataPlaneServer.Builder builder) {
    try {
      builder.trustedProxies(trustedProxies);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--trusted-proxy': " + e.getMessage());
    }
    if (geoHeader != null && geoCsv != null) {
      throw new ParameterException(
          spec.commandLine(), "--geo-header and --geo-csv are mutually exclusive");
    }
    if (geoHeader != null) {
      if (trustedProxies.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(),
            "--geo-header needs --trusted-proxy: the header is believed only from those peers");
      }
      builder.geoHeader(geoHeader);
    }
    if (geoCsv != null) {
      builder.geoCsv(geoCsv);
    }
  }

  private AdmissionPolicy admission() {
    AdmissionPolicy policy = AdmissionPolicy.defaults();
    try {
      if (clientBodyBuffer != null) {
        policy = policy.withMemoryLimit(Math.toIntExact(clientBodyBuffer));
      }
      if (clientMaxBody != null) {
        policy = policy.withMaxBodySize(clientMaxBody);
      }
      if (clientHeaderTimeout != null) {
        policy = policy.withHeaderTimeout(javaDuration(clientHeaderTimeout));
      }
      if (clientBodyTimeout != null) {
        policy = policy.withBodyTimeout(javaDuration(clientBodyTimeout));
      }
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ParameterException(spec.commandLine(), "client limits: " + e.getMessage());
    }
    return policy;
  }

  /**
   * The JDK caches lookups under the node's own cache (30 s by default): unless the operator set
   * it, its TTL follows the refresh period, so a refresh sees what DNS says now. It is read once,
   * at the first lookup, which has not happened yet.
   */
  private static void jdkDnsCache(java.time.Duration refresh) {
    if (java.security.Security.getProperty("networkaddress.cache.ttl") == null) {
      java.security.Security.setProperty(
          "networkaddress.cache.ttl", Long.toString(Math.max(1, refresh.toSeconds())));
    }
  }

  private static java.time.Duration javaDuration(com.google.protobuf.Duration d) {
    return ProtoTime.duration(d);
  }

  /** --ca-file, else CONCIERGE_CA_FILE, checked to be readable; null when neither is set. */
  private @Nullable Path controlPlaneCa() {
    Path flag = root.caFile();
    String env = root.env().get(ClientSettings.ENV_CA_FILE);
    Path file = flag != null ? flag : env == null || env.isBlank() ? null : Path.of(env.strip());
    if (file != null && !Files.isReadable(file)) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--ca-file': cannot read " + file);
    }
    return file;
  }

  /** The join token given, or null: a node with a stored certificate may start without one. */
  private @Nullable String joinToken() {
    if (joinToken != null && joinTokenFile != null) {
      throw new ParameterException(
          spec.commandLine(), "--join-token and --join-token-file are mutually exclusive");
    }
    String token = joinToken;
    if (joinTokenFile != null) {
      try {
        token = Files.readString(joinTokenFile).strip();
      } catch (IOException e) {
        throw new ParameterException(
            spec.commandLine(),
            "--join-token-file " + joinTokenFile + ": cannot read (" + e.getMessage() + ")");
      }
    }
    if (token == null) {
      token = root.env().get(ENV_JOIN_TOKEN);
    }
    if (token == null || token.isBlank()) {
      if (cacheDir == null) {
        throw new ParameterException(
            spec.commandLine(),
            "a join token is required: --join-token, --join-token-file or CONCIERGE_JOIN_TOKEN"
                + " (make one with `concierge node token create`)");
      }
      return null;
    }
    return token.strip();
  }
}
