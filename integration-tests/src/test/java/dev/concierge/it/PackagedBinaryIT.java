package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walkthrough, run as a user would: the packaged {@code concierge.jar} started as
 * {@code quickstart} in its own process, then the CLI, each command its own JVM.
 */
class PackagedBinaryIT {
  private static final Pattern RUNNING =
      Pattern.compile(
          "control plane on 127\\.0\\.0\\.1:(\\d+), proxy on http://127\\.0\\.0\\.1:(\\d+), node admin on http://127\\.0\\.0\\.1:(\\d+)");

  @TempDir Path home;
  private final Path jar =
      Path.of(System.getProperty("concierge.jar", "../cli/target/concierge.jar"));
  private final List<String> quickstartOutput = new CopyOnWriteArrayList<>();
  private Process quickstart;
  private TestBackend one;
  private TestBackend two;

  @BeforeEach
  void setUp() throws IOException {
    assertThat(jar).as("the packaged CLI (built by the cli module)").exists();
    one = TestBackend.start("one");
    two = TestBackend.start("two");
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    if (quickstart != null && quickstart.isAlive()) {
      quickstart.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    one.close();
    two.close();
  }

  @Test
  void quickstartThenClusterRouteCurlAndNodeList() throws Exception {
    quickstart =
        process(
                List.of(
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
                    "0"))
            .redirectErrorStream(true)
            .start();
    Thread reader = new Thread(() -> readLines(quickstart), "quickstart-output");
    reader.setDaemon(true);
    reader.start();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> quickstartOutput.stream().anyMatch(line -> RUNNING.matcher(line).find()));
    Matcher running =
        quickstartOutput.stream()
            .map(RUNNING::matcher)
            .filter(Matcher::find)
            .findFirst()
            .orElseThrow();
    int proxyPort = Integer.parseInt(running.group(2));
    assertThat(Files.readString(home.resolve("config"))).contains("token:");

    assertThat(
            cli(
                "cluster",
                "create",
                "web",
                "--endpoint",
                one.endpoint(),
                "--endpoint",
                two.endpoint()))
        .satisfies(result -> assertThat(result.exitCode()).isZero());
    assertThat(cli("route", "create", "web", "--path-prefix", "/", "--cluster", "web").exitCode())
        .isZero();

    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> !Http.bodyOrStatus(proxyPort, "/").startsWith("status"));
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      answers.add(Http.bodyOrStatus(proxyPort, "/"));
    }
    assertThat(answers).containsOnly("one", "two");
    assertThat(answers.get(0)).isNotEqualTo(answers.get(1));
    assertThat(answers.get(1)).isNotEqualTo(answers.get(2));

    CliResult nodes = cli("node", "list");
    assertThat(nodes.exitCode()).isZero();
    assertThat(nodes.out()).contains("quickstart").containsIgnoringCase("synced");
    assertThat(nodes.out()).contains("control plane revision: 2");

    String routesBefore = cli("route", "list", "-o", "json").out();
    CliResult bad = cli("route", "create", "bad", "--path-prefix", "/x", "--cluster", "nope");
    assertThat(bad.exitCode()).isEqualTo(1);
    assertThat(bad.err().strip().lines()).hasSize(1);
    assertThat(bad.err()).contains("clusters/nope");
    assertThat(cli("route", "list", "-o", "json").out()).isEqualTo(routesBefore);

    // A host every node would refuse is refused here, naming the field, and the fleet stays synced.
    CliResult wild =
        cli(
            "route",
            "create",
            "wild",
            "--host",
            "*.com",
            "--path-prefix",
            "/w",
            "--cluster",
            "web");
    assertThat(wild.exitCode()).isEqualTo(1);
    assertThat(wild.err().strip().lines()).hasSize(1);
    assertThat(wild.err()).contains("hosts[0]");
    // A valid route that hides another is stored, with a warning on stderr.
    CliResult hiding = cli("route", "create", "all", "--path-prefix", "/", "--cluster", "web");
    assertThat(hiding.exitCode()).isZero();
    assertThat(hiding.err().strip())
        .startsWith("warning: routes/web can no longer match: routes/all takes every request");
    assertThat(hiding.out()).contains("route \"all\" created");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(cli("node", "list").out())
                    .contains("control plane revision: 3")
                    .containsIgnoringCase("synced")
                    .doesNotContainIgnoringCase("nacked"));

    // SIGTERM through the handle: Process.destroy() would also close our end of its output.
    assertThat(quickstart.toHandle().destroy()).isTrue();
    assertThat(quickstart.waitFor(30, TimeUnit.SECONDS)).as("quickstart stops on SIGTERM").isTrue();
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(quickstartOutput).contains("stopped"));
  }

  private ProcessBuilder process(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // One-shot JVMs: start fast rather than run fast.
    command.addAll(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar.toString()));
    command.addAll(List.of("--config", home.resolve("config").toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("HOME", home.toString());
    builder.environment().remove("CONCIERGE_SERVER");
    builder.environment().remove("CONCIERGE_TOKEN");
    builder.environment().remove("CONCIERGE_CONFIG");
    builder.environment().remove("CONCIERGE_CA_FILE");
    return builder;
  }

  private CliResult cli(String... args) throws IOException, InterruptedException {
    Path out = Files.createTempFile(home, "out", ".txt");
    Path err = Files.createTempFile(home, "err", ".txt");
    Process process =
        process(List.of(args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS))
        .as("concierge %s finishes", List.of(args))
        .isTrue();
    return new CliResult(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private void readLines(Process process) {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        quickstartOutput.add(line);
      }
    } catch (IOException e) {
      quickstartOutput.add("output closed: " + e.getMessage());
    }
  }

  private record CliResult(int exitCode, String out, String err) {}
}
