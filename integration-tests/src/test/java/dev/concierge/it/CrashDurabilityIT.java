package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.cli.ConciergeCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the control plane acknowledged survives {@code kill -9}: the packaged control plane is
 * killed right after an apply's answer and started again on the same data directory.
 */
class CrashDurabilityIT {
  private static final Pattern SERVING =
      Pattern.compile("control plane serving on 127\\.0\\.0\\.1:(\\d+) at revision (\\d+)");

  @TempDir Path home;
  private final Path jar =
      Path.of(System.getProperty("concierge.jar", "../cli/target/concierge.jar"));
  private final List<String> output = new CopyOnWriteArrayList<>();
  private Process controlPlane;

  @AfterEach
  void tearDown() throws InterruptedException {
    if (controlPlane != null && controlPlane.isAlive()) {
      controlPlane.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** Starts the packaged control plane on the port (0: any) and returns the port it serves on. */
  private int start(int port) throws IOException {
    output.clear();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    command.addAll(
        List.of(
            "control-plane",
            "--data-dir",
            home.resolve("cp").toString(),
            "--bind",
            "127.0.0.1",
            "--grpc-port",
            Integer.toString(port)));
    controlPlane = new ProcessBuilder(command).redirectErrorStream(true).start();
    Process started = controlPlane;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader lines =
                  new BufferedReader(
                      new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                  output.add(line);
                }
              } catch (IOException e) {
                output.add("output closed: " + e.getMessage());
              }
            },
            "control-plane-output");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> output.stream().anyMatch(line -> SERVING.matcher(line).find()));
    Matcher serving =
        output.stream().map(SERVING::matcher).filter(Matcher::find).findFirst().orElseThrow();
    return Integer.parseInt(serving.group(1));
  }

  private String cli(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    assertThat(code).as("concierge %s: %s", List.of(args), err).isZero();
    return out.toString();
  }

  @Test
  void anAcknowledgedApplyAndItsHistorySurviveKillMinusNine() throws Exception {
    assertThat(jar).as("the packaged CLI (built by the cli module)").exists();
    int port = start(0);
    Map<String, String> env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("CONCIERGE_CONFIG", home.resolve("cli-config").toString());
    env.put("CONCIERGE_SERVER", "127.0.0.1:" + port);
    env.put("CONCIERGE_CA_FILE", home.resolve("cp/ca.crt").toString());
    env.put("CONCIERGE_TOKEN", Files.readString(home.resolve("cp/admin.token")).strip());
    Path file = home.resolve("app.yaml");
    Files.writeString(
        file,
        """
        clusters:
          - name: clusters/web
            endpoints: [{host: 127.0.0.1, port: 9001}]
        routes:
          - name: routes/app
            forward: {clusters: [{cluster: clusters/web}]}
        """);

    String ciSecret = cli(env, "token", "create", "ci").lines().skip(1).findFirst().orElseThrow();
    assertThat(cli(env, "apply", "-f", file.toString())).contains("revision 1: 2 added");
    String exported = cli(env, "get", "all");
    controlPlane.destroyForcibly();
    assertThat(controlPlane.waitFor(10, TimeUnit.SECONDS)).isTrue();

    start(port);
    assertThat(output).anyMatch(line -> line.contains("at revision 1"));
    assertThat(cli(env, "history")).contains("admin  +clusters/web +routes/app");
    assertThat(cli(env, "get", "all")).isEqualTo(exported);
    assertThat(cli(env, "apply", "-f", file.toString())).startsWith("no changes");
    // The audit rows were written before the answers, and the named token outlives the crash too.
    env.put("CONCIERGE_TOKEN", ciSecret);
    assertThat(cli(env, "audit").lines())
        .anySatisfy(line -> assertThat(line).contains(" admin ", "Apply", "OK"))
        .anySatisfy(line -> assertThat(line).contains(" admin ", "CreateToken", " ci ", "OK"));
  }
}
