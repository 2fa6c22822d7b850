package dev.concierge.cli;

import dev.concierge.api.v1.ApplyResponse;
import dev.concierge.api.v1.RollbackRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code concierge rollback REV}: the config of an earlier revision, restored as a new one. */
@Command(
    name = "rollback",
    description = {
      "Make the config equal to revision REV's, as a new revision, and show the diff.",
      "History is kept: the rollback is one more revision, and can itself be rolled back."
    })
final class RollbackCommand extends ConfigWriteCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "REV", description = "The revision to restore.")
  long revision;

  @Override
  public Integer call() {
    RollbackRequest request =
        RollbackRequest.newBuilder()
            .setRevision(revision)
            .setValidateOnly(dryRun)
            .setIfRevision(ifRevision)
            .build();
    ApplyResponse answer =
        withClient(c -> explained(() -> c.call(s -> s.rollback(request)), f -> f));
    print(answer, dryRun, "revision " + revision + "'s");
    return 0;
  }
}
