package dev.concierge.cli;

import dev.concierge.controlplane.ControlPlaneServer;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.ProxyServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code concierge quickstart}: a control plane on 127.0.0.1 and one node in this JVM, with the CLI
 * config written so that the management commands work at once.
 */
@Command(
    name = "quickstart",
    description = "Run a control plane and one proxy node locally, ready to use.")
final class QuickstartCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(QuickstartCommand.class);
  private static final long READY_TIMEOUT_SECONDS = 30;
  private static final String LOOPBACK = "127.0.0.1";

  @ParentCommand ConciergeCommand root;

  @Spec CommandSpec spec;

  /** The join token of quickstart's own node is used at once; it need not live long. */
  private static final java.time.Duration QUICKSTART_JOIN_TTL = java.time.Duration.ofMinutes(10);

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where the control plane keeps its state (default ~/.concierge/quickstart).")
  @Nullable Path dataDir;

  @Option(
      names = "--grpc-port",
      paramLabel = "PORT",
      defaultValue = "7070",
      description = "Control plane gRPC port (default ${DEFAULT-VALUE}).")
  int grpcPort;

  @Mixin NodePorts ports = new NodePorts();

  @Override
  public Integer call() throws InterruptedException {
    Path dir =
        (dataDir != null ? dataDir : root.home().resolve(".concierge").resolve("quickstart"))
            .toAbsolutePath();
    // Everything stays on loopback: quickstart is for trying Concierge, not for serving others.
    ServerSupport.ensurePortFree(LOOPBACK, grpcPort, "--grpc-port");
    ServerSupport.ensurePortFree(LOOPBACK, ports.http, "--http-port");
    if (ports.https != ProxyServer.NO_HTTPS) {
      ServerSupport.ensurePortFree(LOOPBACK, ports.https, "--https-port");
    }
    ServerSupport.ensurePortFree(LOOPBACK, ports.admin, "--admin-port");
    try {
      // Owner only: the tokens and the master key live here.
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new CommandFailure("cannot create data dir " + dir + ": " + e.getMessage(), e);
    }

    ControlPlaneServer controlPlane =
        ControlPlaneServer.builder().dataDir(dir).bindAddress(LOOPBACK).grpcPort(grpcPort).build();
    try {
      controlPlane.start();
    } catch (IOException | RuntimeException e) {
      controlPlane.close();
      throw new CommandFailure("cannot start the control plane: " + ErrorHandlers.describe(e), e);
    }
    DataPlaneServer node =
        DataPlaneServer.builder()
            .controlPlanes(List.of(LOOPBACK + ":" + controlPlane.port()))
            // Its own node joins like any other, with a join token this process makes for it.
            .joinToken(controlPlane.createJoinToken(QUICKSTART_JOIN_TTL, "quickstart"))
            .controlPlaneCa(controlPlane.caCertificateFile())
            .nodeId("quickstart")
            .bindAddress(LOOPBACK)
            .httpPort(ports.http)
            .httpsPort(ports.https)
            .adminBindAddress(LOOPBACK)
            .adminPort(ports.admin)
            .cacheDir(dir.resolve("node-cache"))
            .build();
    PrintWriter out = spec.commandLine().getOut();
    try {
      node.start();
      awaitReady(node);
    } catch (Exception e) {
      node.close();
      controlPlane.close();
      throw e instanceof CommandFailure cf
          ? cf
          : new CommandFailure("cannot start the node: " + ErrorHandlers.describe(e), e);
    }

    String server = LOOPBACK + ":" + controlPlane.port();
    Path config = root.configPath().toAbsolutePath();
    String ca;
    try {
      ca = Files.readString(controlPlane.caCertificateFile());
    } catch (IOException e) {
      node.close();
      controlPlane.close();
      throw new CommandFailure("cannot read the control plane's CA: " + e.getMessage(), e);
    }
    ClientSettings.ConfigFile.write(config, server, controlPlane.adminToken(), ca);
    log.info(
        "control plane on {}, node \"{}\" serving revision {}",
        server,
        node.nodeId(),
        node.appliedRevision());

    int http = node.httpPort();
    out.println();
    out.println(
        "Concierge is running: control plane on "
            + server
            + ", proxy on http://"
            + LOOPBACK
            + ":"
            + http
            + ", node admin on http://"
            + LOOPBACK
            + ":"
            + node.adminPort()
            + (node.httpsPort() == ProxyServer.NO_HTTPS
                ? ""
                : ", HTTPS proxy on https://" + LOOPBACK + ":" + node.httpsPort()));
    String web = "http://" + LOOPBACK + ":" + controlPlane.httpPort() + "/";
    out.println(
        "Dashboard: "
            + web
            + "dashboard/ (sign in with the token in "
            + dir.resolve("admin.token")
            + ", or a read-only one from `concierge token create NAME --role read-only`);"
            + " control-plane metrics: "
            + web
            + "metrics");
    out.println(
        "Data in "
            + dir
            + "; CLI settings (server, admin token and the control plane's TLS CA) written to "
            + config);
    out.println();
    out.println("Next, in another terminal:");
    out.println("  python3 -m http.server 9001 --bind 127.0.0.1 &");
    out.println("  python3 -m http.server 9002 --bind 127.0.0.1 &");
    out.println(
        "  ./concierge cluster create web --endpoint 127.0.0.1:9001 --endpoint 127.0.0.1:9002");
    out.println("  ./concierge route create web --path-prefix / --cluster web");
    out.println("  curl localhost:" + http + "/");
    out.println("  ./concierge node list");
    out.println();
    out.println("Press Ctrl-C to stop.");
    out.flush();

    ServerSupport.serveUntilStopped(
        "quickstart",
        () -> {
          node.close();
          controlPlane.close();
          out.println("stopped");
          out.flush();
        },
        node::awaitTermination,
        controlPlane::awaitTermination);
    return 0;
  }

  private static void awaitReady(DataPlaneServer node) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_TIMEOUT_SECONDS);
    while (node.appliedRevision() < 0) {
      if (System.nanoTime() > deadline) {
        throw new CommandFailure(
            "the node got no configuration from the control plane within "
                + READY_TIMEOUT_SECONDS
                + "s");
      }
      // Polling is fine here: it runs once at startup and the API offers no readiness callback.
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }
}
