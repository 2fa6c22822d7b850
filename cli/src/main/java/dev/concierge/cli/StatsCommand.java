package dev.concierge.cli;

import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.TrafficCounters;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code concierge stats}: traffic counters summed over the nodes' latest reports. */
@Command(name = "stats", description = "Show traffic counters summed over all nodes.")
final class StatsCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    Stats stats = withClient(c -> c.call(s -> s.getStats(GetStatsRequest.getDefaultInstance())));
    printer()
        .one(
            stats,
            out -> {
              Table t =
                  Table.of("NAME", "REQUESTS", "2XX", "3XX", "4XX", "5XX", "UPSTREAM-FAILURES");
              for (TrafficCounters c : stats.getRoutesList()) {
                row(t, c);
              }
              for (TrafficCounters c : stats.getClustersList()) {
                row(t, c);
              }
              t.print(out);
              out.println(
                  "nodes reporting: "
                      + stats.getNodes()
                      + (stats.hasTime() ? " (as of " + time(stats.getTime()) + ")" : ""));
            });
    return 0;
  }

  private static void row(Table t, TrafficCounters c) {
    t.row(
        c.getName(),
        Long.toUnsignedString(c.getRequests()),
        Long.toUnsignedString(c.getResponses2Xx()),
        Long.toUnsignedString(c.getResponses3Xx()),
        Long.toUnsignedString(c.getResponses4Xx()),
        Long.toUnsignedString(c.getResponses5Xx()),
        Long.toUnsignedString(c.getUpstreamFailures()));
  }
}
