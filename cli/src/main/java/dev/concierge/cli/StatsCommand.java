package dev.concierge.cli;

import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.TrafficCounters;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code concierge stats}: traffic counters summed over the nodes' latest reports. */
@Command(name = "stats", description = "Show traffic counters summed over all nodes.")
final class StatsCommand extends ResourceCommand implements Callable<Integer> {

  /** The name of the row of the requests no route took. */
  static final String NO_ROUTE = "(no route)";

  @Override
  public Integer call() {
    Stats stats = withClient(c -> c.call(s -> s.getStats(GetStatsRequest.getDefaultInstance())));
    printer()
        .one(
            stats,
            out -> {
              Table t =
                  Table.of(
                      "NAME",
                      "REQUESTS",
                      "2XX",
                      "3XX",
                      "4XX",
                      "5XX",
                      "UPSTREAM-FAILURES",
                      "RETRIES",
                      "OVERFLOWS",
                      "P99");
              for (TrafficCounters c : stats.getRoutesList()) {
                row(t, c.getName(), c);
              }
              if (stats.hasUnrouted()) {
                row(t, NO_ROUTE, stats.getUnrouted());
              }
              for (TrafficCounters c : stats.getClustersList()) {
                row(t, c.getName(), c);
              }
              t.print(out);
              out.println(
                  "nodes reporting: "
                      + stats.getNodes()
                      + (stats.hasTime() ? " (as of " + time(stats.getTime()) + ")" : ""));
            });
    return 0;
  }

  private static void row(Table t, String name, TrafficCounters c) {
    t.row(
        name,
        Long.toUnsignedString(c.getRequests()),
        Long.toUnsignedString(c.getResponses2Xx()),
        Long.toUnsignedString(c.getResponses3Xx()),
        Long.toUnsignedString(c.getResponses4Xx()),
        Long.toUnsignedString(c.getResponses5Xx()),
        Long.toUnsignedString(c.getUpstreamFailures()),
        Long.toUnsignedString(c.getRetries()),
        Long.toUnsignedString(c.getCircuitBreakerOverflows()),
        c.getLatencyCount() == 0 && c.getLatencyP99Us() == 0 ? "-" : latency(c.getLatencyP99Us()));
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
