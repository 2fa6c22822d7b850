package dev.concierge.cli;

import dev.concierge.api.v1.GetRevisionRequest;
import dev.concierge.api.v1.ListRevisionsRequest;
import dev.concierge.api.v1.ListRevisionsResponse;
import dev.concierge.api.v1.Revision;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code concierge history [show REV]}: the revisions, who made them, and what they changed. */
@Command(name = "history", description = "List config revisions, newest first: who, when, what.")
final class HistoryCommand extends ResourceCommand implements Callable<Integer> {

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "20",
      description = "How many revisions (default ${DEFAULT-VALUE}).")
  int limit;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--limit must be 1 or more");
    }
    List<Revision> revisions =
        withClient(
            c -> {
              List<Revision> found = new ArrayList<>();
              String token = "";
              do {
                String page = token;
                ListRevisionsResponse r =
                    c.call(
                        s ->
                            s.listRevisions(
                                ListRevisionsRequest.newBuilder()
                                    .setPageSize(Math.min(limit - found.size(), 1000))
                                    .setPageToken(page)
                                    .build()));
                found.addAll(r.getRevisionsList());
                token = r.getNextPageToken();
              } while (!token.isEmpty() && found.size() < limit);
              return found;
            });
    printer()
        .list(
            revisions,
            out -> {
              Table t = Table.of("REVISION", "TIME", "BY", "CHANGES");
              for (Revision r : revisions) {
                t.row(
                    Long.toString(r.getRevision()),
                    time(r.getCreateTime()),
                    r.getActor(),
                    r.getSummary());
              }
              t.print(out);
            });
    return 0;
  }

  @Command(name = "show", description = "Show one revision's changes, field by field.")
  int show(@Parameters(paramLabel = "REV", description = "The revision.") long revision) {
    Revision r =
        withClient(
            c ->
                c.call(
                    s ->
                        s.getRevision(
                            GetRevisionRequest.newBuilder().setRevision(revision).build())));
    printer()
        .one(
            r,
            out -> {
              out.println(
                  "revision "
                      + r.getRevision()
                      + " by "
                      + r.getActor()
                      + " at "
                      + time(r.getCreateTime()));
              new DiffPrinter(out, DiffPrinter.terminal(root.env())).changes(r.getChangesList());
            });
    return 0;
  }
}
