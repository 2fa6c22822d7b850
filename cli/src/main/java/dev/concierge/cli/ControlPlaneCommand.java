package dev.concierge.cli;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.controlplane.ControlPlaneServer;
import dev.concierge.controlplane.acme.AcmeSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code concierge control-plane}: runs the control plane until SIGINT/SIGTERM. */
@Command(
    name = "control-plane",
    description = "Run the control plane (management API and node discovery).")
final class ControlPlaneCommand implements Callable<Integer> {
  @SuppressWarnings("NullAway.Init") // picocli sets it
  @Spec
  CommandSpec spec;

  private static final Logger log = LoggerFactory.getLogger(ControlPlaneCommand.class);

  @SuppressWarnings("NullAway.Init") // picocli sets it: required
  @Option(
      names = "--data-dir",
      required = true,
      paramLabel = "DIR",
      description = "Tokens, master key and the embedded H2 database live here.")
  Path dataDir;

  @Option(
      names = "--db",
      paramLabel = "JDBC_URL",
      description = "Database instead of the embedded H2, e.g. jdbc:postgresql://host/db.")
  @Nullable String jdbcUrl;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      defaultValue = "7070",
      description = "gRPC port (default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Option(
      names = "--http-port",
      paramLabel = "PORT",
      description =
          "HTTP port for /metrics and the dashboard (default: the gRPC port + 1, 7071; any free"
              + " port when --grpc-port is 0).")
  @Nullable Integer httpPort;

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--bind",
      paramLabel = "HOST",
      defaultValue = "0.0.0.0",
      description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--advertise-address",
      paramLabel = "HOST",
      description =
          "A host name or IP address nodes and the CLI use to reach this control plane; its TLS"
              + " certificate covers it (besides loopback, localhost and the host name). Repeatable.")
  List<String> advertiseAddresses = new ArrayList<>();

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--revision-poll",
      paramLabel = "DURATION",
      defaultValue = "1s",
      converter = Durations.RevisionPollConverter.class,
      description =
          "How often to look for writes made through other control planes on the same database"
              + " (default ${DEFAULT-VALUE}); writes through this one are pushed at once.")
  com.google.protobuf.Duration revisionPoll;

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--audit-retention",
      paramLabel = "DURATION",
      defaultValue = "90d",
      converter = Durations.AuditRetentionConverter.class,
      description =
          "How long audit events are kept (default ${DEFAULT-VALUE}); older ones are deleted at"
              + " start and hourly.")
  com.google.protobuf.Duration auditRetention;

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--cert-expiry-warning",
      paramLabel = "DURATION",
      defaultValue = "14d",
      converter = Durations.CertExpiryWarningConverter.class,
      description =
          "Flag certificates whose not-after is this close (default ${DEFAULT-VALUE}) as"
              + " expiring in cert list and the API.")
  com.google.protobuf.Duration certExpiryWarning;

  @SuppressWarnings("NullAway.Init") // picocli sets it: it has a default
  @Option(
      names = "--node-cert-ttl",
      paramLabel = "DURATION",
      defaultValue = "24h",
      converter = Durations.NodeCertTtlConverter.class,
      description =
          "How long the client certificates issued to nodes are valid (default ${DEFAULT-VALUE},"
              + " at least 5s); nodes renew them at about two thirds of it.")
  com.google.protobuf.Duration nodeCertTtl;

  @Option(
      names = "--acme-directory",
      paramLabel = "URL",
      description =
          "ACME server directory that certificates added with cert add --acme are ordered from,"
              + " e.g. https://acme-v02.api.letsencrypt.org/directory; without it they are"
              + " refused.")
  @Nullable String acmeDirectory;

  @Option(
      names = "--acme-email",
      paramLabel = "ADDRESS",
      description = "Contact address of the ACME account (expiry notices from the CA).")
  @Nullable String acmeEmail;

  @Option(
      names = "--acme-ca-file",
      paramLabel = "FILE",
      description =
          "PEM CA certificates to trust for the ACME server's HTTPS besides the system's (a"
              + " private or test ACME server).")
  @Nullable Path acmeCaFile;

  @Override
  public Integer call() {
    ControlPlaneServer.Builder builder =
        ControlPlaneServer.builder()
            .dataDir(dataDir)
            .bindAddress(bind)
            .advertiseAddresses(advertiseAddresses)
            .grpcPort(grpcPort)
            .revisionPoll(ProtoTime.duration(revisionPoll))
            .auditRetention(ProtoTime.duration(auditRetention))
            .certExpiryWarning(ProtoTime.duration(certExpiryWarning));
    try {
      builder.nodeCertTtl(ProtoTime.duration(nodeCertTtl));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(
          spec.commandLine(), "Invalid value for option '--node-cert-ttl': " + e.getMessage());
    }
    ServerSupport.ensurePortFree(bind, grpcPort, "--grpc-port");
    if (httpPort != null) {
      ServerSupport.ensurePortFree(bind, httpPort, "--http-port");
      builder.httpPort(httpPort);
    }
    if (jdbcUrl != null) {
      builder.jdbcUrl(jdbcUrl);
    }
    acmeSettings().ifPresent(builder::acme);
    ControlPlaneServer server = builder.build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      server.close();
      throw new CommandFailure("cannot start the control plane: " + ErrorHandlers.describe(e), e);
    }
    log.info(
        "admin token: {} (use with --token or CONCIERGE_TOKEN)",
        dataDir.resolve("admin.token").toAbsolutePath());
    log.info(
        "nodes join with a join token: concierge node token create --ttl 1h, then"
            + " concierge data-plane --join-token TOKEN");
    log.info(
        "fleet CA: {} (trust it with --ca-file on the CLI and on concierge data-plane)",
        server.caCertificateFile().toAbsolutePath());
    ServerSupport.serveUntilStopped(
        "control-plane",
        () -> {
          log.info("stopping the control plane");
          server.close();
        },
        server::awaitTermination);
    return 0;
  }

  /** The ACME options as settings; empty without --acme-directory. */
  private Optional<AcmeSettings> acmeSettings() {
    if (acmeDirectory == null) {
      if (acmeEmail != null || acmeCaFile != null) {
        throw new CommandFailure("--acme-email and --acme-ca-file go with --acme-directory");
      }
      return Optional.empty();
    }
    URI directory;
    try {
      directory = new URI(acmeDirectory);
    } catch (URISyntaxException e) {
      throw new CommandFailure("--acme-directory " + acmeDirectory + ": not a URL");
    }
    if (!"https".equals(directory.getScheme()) && !"http".equals(directory.getScheme())) {
      throw new CommandFailure("--acme-directory " + acmeDirectory + ": must be an https URL");
    }
    if (acmeCaFile != null && !Files.isReadable(acmeCaFile)) {
      throw new CommandFailure("--acme-ca-file " + acmeCaFile + ": cannot read it");
    }
    return Optional.of(
        new AcmeSettings(
            directory, acmeEmail == null ? "" : acmeEmail, Optional.ofNullable(acmeCaFile)));
  }
}
