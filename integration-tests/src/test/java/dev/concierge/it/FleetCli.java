package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.cli.ConciergeCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

/** The real {@code concierge} command line against a {@link Fleet}'s control plane, in-process. */
final class FleetCli {
  private final Map<String, String> env;

  /** What one command printed, and its exit code. */
  record Result(int code, String out, String err) {}

  /**
   * @param home the CLI's HOME and config directory, never the real ~/.concierge
   */
  FleetCli(Fleet fleet, Path home) {
    this.env =
        Map.of(
            "HOME", home.toString(),
            "CONCIERGE_CONFIG", home.resolve("cli-config").toString(),
            "CONCIERGE_SERVER", fleet.controlPlaneAddress(),
            "CONCIERGE_TOKEN", fleet.controlPlane().adminToken(),
            "CONCIERGE_CA_FILE", fleet.caFile().toString());
  }

  /** Runs a command line. */
  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  /** Runs a command line that must succeed; its output. */
  String ok(String... args) {
    Result result = run(args);
    assertThat(result.code()).as(String.join(" ", args) + ": " + result.err()).isZero();
    return result.out();
  }
}
