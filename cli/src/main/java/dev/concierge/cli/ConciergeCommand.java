package dev.concierge.cli;

import static java.util.Objects.requireNonNull;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code concierge} root command: global options and the subcommands.
 *
 * <p>The environment is injected so that tests and in-JVM callers never touch the real {@code
 * ~/.concierge/config}; see {@link #run(String[], Map, PrintWriter, PrintWriter)}.
 */
@Command(
    name = "concierge",
    mixinStandardHelpOptions = true,
    scope = ScopeType.INHERIT,
    versionProvider = VersionCommand.Provider.class,
    description = "Concierge reverse proxy: control plane, data-plane nodes and their management.",
    subcommands = {
      ClusterCommand.class,
      EndpointCommand.class,
      RouteCommand.class,
      CertCommand.class,
      PolicyCommand.class,
      ConsumerCommand.class,
      ApplyCommand.class,
      GetCommand.class,
      HistoryCommand.class,
      RollbackCommand.class,
      NodeCommand.class,
      StatsCommand.class,
      TokenCommand.class,
      AuditCommand.class,
      ControlPlaneCommand.class,
      DataPlaneCommand.class,
      QuickstartCommand.class,
      VersionCommand.class,
    })
public final class ConciergeCommand implements Callable<Integer> {

  /**
   * Where the control plane listens when neither a flag, the environment nor the config file say.
   */
  public static final String DEFAULT_SERVER = "127.0.0.1:7070";

  @Spec CommandSpec spec;

  @Option(
      names = "--server",
      paramLabel = "HOST:PORT",
      scope = ScopeType.INHERIT,
      description =
          "Control plane gRPC address (env CONCIERGE_SERVER; default " + DEFAULT_SERVER + ").")
  @Nullable String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      scope = ScopeType.INHERIT,
      description = "Admin token (env CONCIERGE_TOKEN).")
  @Nullable String token;

  @Option(
      names = "--ca-file",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description =
          "PEM of the CA the control plane's TLS certificate is signed by: ca.crt in its data dir"
              + " (env CONCIERGE_CA_FILE; quickstart writes it into the config file).")
  @Nullable Path caFile;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      scope = ScopeType.INHERIT,
      converter = OutputFormat.Converter.class,
      description = "table, json or yaml (default table).")
  OutputFormat output = OutputFormat.TABLE;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "CLI config file (env CONCIERGE_CONFIG; default ~/.concierge/config).")
  @Nullable Path config;

  private final Map<String, String> env;
  private final Clock clock;

  /**
   * Creates the root command reading settings from {@code env} instead of the process environment.
   */
  public ConciergeCommand(Map<String, String> env) {
    this(env, Clock.systemUTC());
  }

  /** As {@link #ConciergeCommand(Map)}, with the clock that "days left" are counted from. */
  public ConciergeCommand(Map<String, String> env, Clock clock) {
    this.env = Map.copyOf(requireNonNull(env, "env"));
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Runs the CLI in this JVM: the entry point for {@link Main} and for integration tests.
   *
   * @param env stands in for {@code System.getenv()}: {@code CONCIERGE_SERVER}, {@code
   *     CONCIERGE_TOKEN}, {@code CONCIERGE_CONFIG}, {@code CONCIERGE_JOIN_TOKEN}, {@code HOME}
   * @return the exit code: 0 success, 1 server-side error, 2 usage error
   */
  public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
    return run(args, env, Clock.systemUTC(), out, err);
  }

  /** As {@link #run(String[], Map, PrintWriter, PrintWriter)}, on the given clock. */
  public static int run(
      String[] args, Map<String, String> env, Clock clock, PrintWriter out, PrintWriter err) {
    try {
      return commandLine(env, clock, out, err).execute(args);
    } finally {
      out.flush();
      err.flush();
    }
  }

  /** Builds the configured command line: error handlers, output streams and case rules. */
  public static CommandLine commandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
    return commandLine(env, Clock.systemUTC(), out, err);
  }

  /** As {@link #commandLine(Map, PrintWriter, PrintWriter)}, on the given clock. */
  public static CommandLine commandLine(
      Map<String, String> env, Clock clock, PrintWriter out, PrintWriter err) {
    CommandLine cl = new CommandLine(new ConciergeCommand(env, clock));
    cl.setOut(out);
    cl.setErr(err);
    cl.setParameterExceptionHandler(ErrorHandlers::handleParseException);
    cl.setExecutionExceptionHandler(ErrorHandlers::handleExecutionException);
    return cl;
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command");
  }

  /** The process environment as injected. */
  Map<String, String> env() {
    return env;
  }

  /** The clock of the CLI's own time arithmetic (days left). */
  Clock clock() {
    return clock;
  }

  /** The chosen output format. */
  OutputFormat output() {
    return output;
  }

  /** Resolves --server/--token/--config against the environment and the config file. */
  ClientSettings clientSettings() {
    return ClientSettings.resolve(server, token, caFile, config, env);
  }

  /** The config file path: flag, then CONCIERGE_CONFIG, then ~/.concierge/config. */
  Path configPath() {
    return ClientSettings.configPath(config, env);
  }

  /** The --ca-file flag, or null. */
  @Nullable Path caFile() {
    return caFile;
  }

  /** Home directory: HOME from the injected environment, else the JVM's user.home. */
  Path home() {
    return ClientSettings.home(env);
  }
}
