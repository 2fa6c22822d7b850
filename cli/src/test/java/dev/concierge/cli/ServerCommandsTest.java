package dev.concierge.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server commands: argument checks, busy ports, and quickstart end to end in this JVM. */
class ServerCommandsTest {

  @TempDir Path home;

  private Map<String, String> env;

  @BeforeEach
  void setUp() {
    env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("CONCIERGE_CONFIG", home.resolve("cli/config").toString());
  }

  record Result(int code, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  private static ServerSocket occupy() throws IOException {
    ServerSocket s = new ServerSocket();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return s;
  }

  @Test
  void controlPlaneOnABusyPortFailsWithOneLine() throws IOException {
    try (ServerSocket busy = occupy()) {
      int port = busy.getLocalPort();
      Result r =
          run(
              "control-plane",
              "--data-dir",
              home.resolve("cp").toString(),
              "--bind",
              "127.0.0.1",
              "--grpc-port",
              Integer.toString(port));
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .isEqualTo(
              "error: port "
                  + port
                  + " on 127.0.0.1 is already in use"
                  + " (--grpc-port): stop what is using it or choose another port"
                  + System.lineSeparator());
    }
  }

  @Test
  void quickstartOnABusyPortFailsWithOneLine() throws IOException {
    try (ServerSocket busy = occupy()) {
      Result r =
          run(
              "quickstart",
              "--data-dir",
              home.resolve("qs").toString(),
              "--grpc-port",
              "0",
              "--http-port",
              Integer.toString(busy.getLocalPort()),
              "--admin-port",
              "0");
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err()).contains("already in use (--http-port)").hasLineCount(1);
      assertThat(home.resolve("cli/config")).doesNotExist();
    }
  }

  @Test
  void controlPlaneRejectsAZeroRevisionPoll() {
    Result r =
        run("control-plane", "--data-dir", home.resolve("cp").toString(), "--revision-poll", "0s");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'0s' is out of range: must be above 0 and at most 1h");
  }

  @Test
  void controlPlaneRejectsAZeroAuditRetention() {
    Result r =
        run(
            "control-plane",
            "--data-dir",
            home.resolve("cp").toString(),
            "--audit-retention",
            "0d");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'0d' is out of range: must be above 0 and at most 36500d");
  }

  @Test
  void dataPlaneNeedsAJoinTokenWithoutACacheDir() {
    Result r = run("data-plane", "--control-plane", "127.0.0.1:7070");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains(
            "a join token is required: --join-token, --join-token-file or CONCIERGE_JOIN_TOKEN")
        .hasLineCount(1);
  }

  @Test
  void controlPlaneRejectsANodeCertTtlTooShortToRenew() {
    Result r =
        run("control-plane", "--data-dir", home.resolve("cp").toString(), "--node-cert-ttl", "2s");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--node-cert-ttl").contains("at least 5s").hasLineCount(1);
  }

  @Test
  void dataPlaneRejectsAMalformedControlPlaneAddress() {
    Result r = run("data-plane", "--control-plane", "127.0.0.1:7070,nocolon", "--join-token", "t");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("'nocolon' is not HOST:PORT").hasLineCount(1);
  }

  /** {@code data-plane} with a control plane and a join token, then {@code extra}. */
  private Result dataPlane(String... extra) {
    String[] args = {"data-plane", "--control-plane", "127.0.0.1:7070", "--join-token", "t"};
    String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    return run(all);
  }

  @Test
  void dataPlaneAccessLogRotationNeedsAFile() {
    Result r = dataPlane("--access-log-max-files", "3");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--access-log-max-files need --access-log PATH");
    r = dataPlane("--access-log", "/tmp/x.log", "--access-log-max-files", "-1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("max files must not be negative");
  }

  @Test
  void dataPlaneTracingSettingsNeedAnEndpointAndSaneValues() {
    Result r = dataPlane("--trace-sample-ratio", "0.5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("--trace-sample-ratio and --otlp-service-name need --otlp-endpoint");
    r = dataPlane("--otlp-endpoint", "http://127.0.0.1:4318", "--trace-sample-ratio", "1.5");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("sample ratio must be within 0..1: 1.5");
    r = dataPlane("--otlp-endpoint", "grpc://collector:4317");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("OTLP endpoint must be an http or https URL");
  }

  @Test
  void dataPlaneRedisNeedsARedisUriAndAPasswordFileNeedsIt() {
    Result r = dataPlane("--redis", "http://10.0.0.5:6379");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err())
        .contains("'http://10.0.0.5:6379' (expected redis://HOST:PORT or rediss://HOST:PORT)");
    r = dataPlane("--redis-password-file", home.resolve("none").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--redis-password-file needs --redis");
    r = dataPlane("--redis", "redis://127.0.0.1:6379", "--redis-password-file", "/nonexistent/pw");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("cannot read --redis-password-file /nonexistent/pw");
  }

  @Test
  void dataPlaneRejectsAZeroClientHeaderTimeout() {
    Result r = dataPlane("--client-header-timeout", "0s");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("headerTimeout must be positive").hasLineCount(1);
  }

  @Test
  void configFileIsWrittenOwnerOnly() throws IOException {
    Path file = home.resolve("new-dir/config");
    String ca = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    ClientSettings.ConfigFile.write(file, "127.0.0.1:7071", "tok", ca);

    assertThat(Files.readString(file))
        .isEqualTo(
            "server: \"127.0.0.1:7071\"\ntoken: \"tok\"\nca: |\n  -----BEGIN CERTIFICATE-----\n"
                + "  AAAA\n  -----END CERTIFICATE-----\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    ClientSettings settings = ClientSettings.resolve(null, null, file, Map.of());
    assertThat(settings).isEqualTo(new ClientSettings("127.0.0.1:7071", "tok", ca));
  }

  @Test
  void quickstartServesAndWritesTheCliConfig() throws Exception {
    StringWriter qsOut = new StringWriter();
    StringWriter qsErr = new StringWriter();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread quickstart =
        new Thread(
            () ->
                exit.set(
                    ConciergeCommand.run(
                        new String[] {
                          "quickstart",
                          "--data-dir",
                          home.resolve("qs").toString(),
                          "--grpc-port",
                          "0",
                          "--http-port",
                          "0",
                          "--https-port",
                          "0",
                          "--admin-port",
                          "0"
                        },
                        env,
                        new PrintWriter(qsOut),
                        new PrintWriter(qsErr))),
            "quickstart");
    quickstart.start();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> qsOut.toString().contains("Press Ctrl-C") || exit.get() >= 0);
      assertThat(qsErr.toString()).isEmpty();
      assertThat(qsOut.toString()).contains("./concierge route create web --path-prefix /");
      assertThat(home.resolve("cli/config")).exists();
      assertThat(Files.readString(home.resolve("cli/config")))
          .contains("ca: |\n  -----BEGIN CERTIFICATE-----")
          .doesNotContain("PRIVATE KEY");
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(home.resolve("qs").resolve("ca.key"))))
          .isEqualTo("rw-------");

      // The management commands now work from the written config alone.
      Result create = run("cluster", "create", "web", "--endpoint", "127.0.0.1:9001");
      assertThat(create.err()).isEmpty();
      assertThat(create.code()).isZero();
      assertThat(run("route", "create", "web", "--path-prefix", "/", "--cluster", "web").code())
          .isZero();
      Result nodes = run("node", "list");
      assertThat(nodes.code()).isZero();
      assertThat(nodes.out()).contains("quickstart");
    } finally {
      quickstart.interrupt();
      quickstart.join(Duration.ofSeconds(20).toMillis());
    }
    assertThat(quickstart.isAlive()).isFalse();
    assertThat(exit.get()).as(qsErr::toString).isZero();
    assertThat(qsOut.toString()).endsWith("stopped" + System.lineSeparator());
  }
}
