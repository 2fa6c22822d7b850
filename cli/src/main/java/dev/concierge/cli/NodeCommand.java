package dev.concierge.cli;

import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.ListNodesResponse;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.RevokeNodeRequest;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code concierge node list}: the data-plane fleet and how far each node is in sync; {@code node
 * revoke}: shuts a node out; {@code node token}: the join tokens new nodes present.
 */
@Command(
    name = "node",
    description = "Show data-plane nodes, revoke them, and manage their join tokens.",
    subcommands = NodeTokenCommand.class)
final class NodeCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "list", description = "List nodes with their sync status.")
  int list() {
    long[] revision = new long[1];
    List<Node> all =
        withClient(
            c ->
                allPages(
                    token ->
                        c.call(
                            s ->
                                s.listNodes(
                                    ListNodesRequest.newBuilder().setPageToken(token).build())),
                    r -> {
                      revision[0] = Math.max(revision[0], r.getRevision());
                      return r.getNodesList();
                    },
                    ListNodesResponse::getNextPageToken));
    printer()
        .list(
            all,
            out -> {
              Table t =
                  Table.of(
                      "NAME",
                      "ADDRESS",
                      "STATUS",
                      "APPLIED",
                      "SENT",
                      "CONNECTED",
                      "LAST-SEEN",
                      "LAST-REPORT",
                      "VERSION");
              for (Node n : all) {
                t.row(
                    id(n.getName()),
                    n.getAddress(),
                    status(n),
                    Long.toString(n.getAppliedRevision()),
                    Long.toString(n.getSentRevision()),
                    n.getConnected() ? "yes" : "no",
                    time(n.getLastSeen()),
                    n.hasLastReport()
                        ? time(n.getLastReport()) + (n.getReportStale() ? " (stale)" : "")
                        : "-",
                    n.getVersion());
              }
              t.print(out);
              out.println("control plane revision: " + revision[0]);
            });
    return 0;
  }

  @Command(
      name = "revoke",
      description =
          "Revoke a node: its streams end now, and its certificate and any join with its id are"
              + " refused from then on.")
  int revoke(@Parameters(paramLabel = "ID") String id) {
    String checked = id.strip();
    withClient(
        c -> c.call(s -> s.revokeNode(RevokeNodeRequest.newBuilder().setNodeId(checked).build())));
    printer().deleted(checked, "node " + checked + " revoked");
    return 0;
  }

  private static String status(Node n) {
    String s =
        switch (n.getStatus()) {
          case SYNCED -> "synced";
          case PENDING -> "pending";
          case NACKED -> "nacked";
          case DISCONNECTED -> "disconnected";
          default -> n.getStatus().name().toLowerCase(Locale.ROOT);
        };
    return n.getStatus() == Node.SyncStatus.NACKED && n.getLastNackRevision() > 0
        ? s + "(" + n.getLastNackRevision() + ")"
        : s;
  }
}
