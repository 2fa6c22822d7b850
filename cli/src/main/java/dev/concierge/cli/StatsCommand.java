package dev.concierge.cli;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.StatsLevel;
import dev.concierge.api.v1.StatsRow;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code concierge stats [routes|clusters|endpoints|nodes]}: the fleet's traffic over a recent
 * window (req/s, 5xx share, p50/p95/p99), fleet-wide and per node; {@code --watch} redraws it every
 * interval until interrupted.
 */
@Command(
    name = "stats",
    description =
        "Show the fleet's traffic over a recent window: requests per second, errors (5xx share)"
            + " and latency percentiles, fleet-wide and per node.")
final class StatsCommand extends ResourceCommand implements Callable<Integer> {

  /** The name of the row of the requests no route took. */
  static final String NO_ROUTE = "(no route)";

  /** What the table groups by. */
  enum View {
    routes(StatsLevel.STATS_LEVEL_ROUTES),
    clusters(StatsLevel.STATS_LEVEL_CLUSTERS),
    endpoints(StatsLevel.STATS_LEVEL_ENDPOINTS),
    nodes(StatsLevel.STATS_LEVEL_NODES);

    final StatsLevel level;

    View(StatsLevel level) {
      this.level = level;
    }
  }

  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "VIEW",
      description = "routes (default), clusters, endpoints or nodes.")
  View view = View.routes;

  @Option(
      names = "--window",
      paramLabel = "DURATION",
      description = "How far back to look, up to 15m (default 1m).")
  @Nullable String window;

  @Option(names = "--node", paramLabel = "NAME", description = "Only this node's traffic.")
  @Nullable String node;

  @Option(names = "--watch", description = "Redraw every interval until interrupted (Ctrl-C).")
  boolean watch;

  @Option(
      names = "--interval",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description = "How often --watch redraws (default ${DEFAULT-VALUE}).")
  String interval = "2s";

  /** How many times --watch draws; unlimited unless a test stops it. */
  @Option(names = "--iterations", hidden = true, defaultValue = "0")
  int iterations;

  @Override
  public Integer call() throws InterruptedException {
    GetStatsRequest.Builder request = GetStatsRequest.newBuilder().setLevel(view.level);
    if (window != null) {
      request.setWindow(ProtoTime.duration(duration("--window", window)));
    }
    if (node != null) {
      request.setNode(node.startsWith("nodes/") ? node : "nodes/" + node);
    }
    Duration every = duration("--interval", interval);
    if (every.toMillis() < 100) {
      throw new CommandFailure("--interval must be at least 100ms, not " + interval);
    }
    GetStatsRequest built = request.build();
    withClient(
        c -> {
          int drawn = 0;
          do {
            Stats stats = c.call(s -> s.getStats(built));
            PrintWriter out = spec.commandLine().getOut();
            if (watch && printer().format() == OutputFormat.TABLE) {
              out.print("\033[H\033[2J"); // home and clear: the table redraws in place
            }
            printer().one(stats, o -> table(stats, o));
            out.flush();
            drawn++;
            if (!watch || (iterations > 0 && drawn >= iterations)) {
              break;
            }
            try {
              Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              break;
            }
          } while (true);
          return null;
        });
    return 0;
  }

  private Duration duration(String option, String text) {
    try {
      return ProtoTime.duration(Durations.parse(text));
    } catch (IllegalArgumentException e) {
      throw new CommandFailure(option + ": " + e.getMessage());
    }
  }

  private void table(Stats stats, PrintWriter out) {
    List<StatsRow> rows = new ArrayList<>();
    switch (view) {
      case routes -> {
        rows.addAll(stats.getRouteRowsList());
        if (stats.hasUnroutedRow()) {
          rows.add(stats.getUnroutedRow());
        }
      }
      case clusters -> rows.addAll(stats.getClusterRowsList());
      case endpoints -> rows.addAll(stats.getEndpointRowsList());
      case nodes -> rows.addAll(stats.getNodeRowsList());
    }
    Table t =
        view == View.nodes
            ? Table.of("NODE", "REQ/S", "ERRORS", "P50", "P95", "P99", "REQUESTS")
            : Table.of("NAME", "NODE", "REQ/S", "ERRORS", "P50", "P95", "P99", "REQUESTS");
    for (StatsRow r : rows) {
      List<String> cells = new ArrayList<>();
      if (view == View.nodes) {
        cells.add(r.getName().substring(r.getName().indexOf('/') + 1));
      } else {
        String name = r.getName().isEmpty() ? NO_ROUTE : r.getName();
        cells.add(r.getEndpoint().isEmpty() ? name : name + " " + r.getEndpoint());
        cells.add(r.getNode().isEmpty() ? "(all)" : r.getNode().substring("nodes/".length()));
      }
      boolean any = r.getRequests() > 0;
      cells.add(String.format(Locale.ROOT, "%.1f", r.getRequestsPerSecond()));
      cells.add(any ? String.format(Locale.ROOT, "%.1f%%", r.getErrorRate() * 100) : "-");
      cells.add(any ? latency(r.getLatencyP50Us()) : "-");
      cells.add(any ? latency(r.getLatencyP95Us()) : "-");
      cells.add(any ? latency(r.getLatencyP99Us()) : "-");
      cells.add(Long.toUnsignedString(r.getRequests()));
      t.row(cells.toArray(String[]::new));
    }
    if (rows.isEmpty()) {
      out.println("no traffic in the window");
    } else {
      t.print(out);
    }
    Duration span = stats.hasWindow() ? ProtoTime.duration(stats.getWindow()) : Duration.ZERO;
    out.println(
        "last "
            + span.toSeconds()
            + "s"
            + (stats.hasTime() ? " as of " + time(stats.getTime()) : "")
            + "; nodes reporting: "
            + stats.getNodes());
  }

  /** Microseconds as people read them: {@code 850µs}, {@code 1.2ms}, {@code 2.5s}. */
  static String latency(long micros) {
    if (micros < 1_000) {
      return micros + ResourceCommand.unicodeOr("µs", "us");
    }
    if (micros < 1_000_000) {
      return String.format(Locale.ROOT, "%.1fms", micros / 1_000.0);
    }
    return String.format(Locale.ROOT, "%.1fs", micros / 1_000_000.0);
  }
}
