package dev.concierge.cli;

import com.google.protobuf.Duration;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.AuditEvent;
import dev.concierge.api.v1.ListAuditEventsRequest;
import dev.concierge.api.v1.ListAuditEventsResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code concierge audit}: the recorded management calls, newest first. */
@Command(
    name = "audit",
    description = "Show the audit log: every change and every refused management call.")
final class AuditCommand extends ResourceCommand implements Callable<Integer> {

  @Option(
      names = "--since",
      paramLabel = "DURATION",
      converter = Durations.Converter.class,
      description = "Only events this recent, e.g. 1h, 30m, 7d (default all that are kept).")
  @Nullable Duration since;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "100",
      description = "At most this many events (default ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--limit must be at least 1, not " + limit);
    }
    ListAuditEventsRequest.Builder request =
        ListAuditEventsRequest.newBuilder().setPageSize(Math.min(limit, 1000));
    if (since != null) {
      request.setSince(ProtoTime.timestamp(Instant.now().minus(ProtoTime.duration(since))));
    }
    List<AuditEvent> events =
        withClient(
            c -> {
              List<AuditEvent> all = new ArrayList<>();
              String token = "";
              do {
                String page = token;
                ListAuditEventsResponse r =
                    c.call(s -> s.listAuditEvents(request.setPageToken(page).build()));
                all.addAll(r.getEventsList());
                token = r.getNextPageToken();
              } while (!token.isEmpty() && all.size() < limit);
              return all.size() > limit ? all.subList(0, limit) : all;
            });
    printer()
        .list(
            events,
            out -> {
              Table t = Table.of("TIME", "TOKEN", "CLIENT", "RPC", "RESOURCE", "OUTCOME");
              for (AuditEvent e : events) {
                t.row(
                    time(e.getTime()),
                    e.getTokenName(),
                    e.getClientAddress(),
                    shortRpc(e.getRpc()),
                    e.getResource(),
                    outcome(e));
              }
              t.print(out);
            });
    return 0;
  }

  /** {@code concierge.v1.ManagementService/CreateCluster} prints as {@code CreateCluster}. */
  static String shortRpc(String rpc) {
    return rpc.substring(rpc.lastIndexOf('/') + 1);
  }

  private static String outcome(AuditEvent e) {
    if (e.getDetail().isEmpty()) {
      return e.getCode();
    }
    String d = e.getDetail();
    return e.getCode() + ": " + (d.length() <= 80 ? d : d.substring(0, 79) + "…");
  }
}
