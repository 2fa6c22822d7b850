package dev.concierge.cli;

import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.ApplyResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code concierge apply -f FILE|DIR|-}: makes the control plane's config the one in the documents,
 * as one revision, and prints the diff; every problem is reported with the file and field it is in,
 * and then nothing is changed.
 */
@Command(
    name = "apply",
    description = {
      "Make the config the one in YAML/JSON documents, as one revision, and show the diff.",
      "Resources the documents do not name are kept unless --prune is given."
    })
final class ApplyCommand extends ConfigWriteCommand implements Callable<Integer> {

  @Option(
      names = {"-f", "--file"},
      required = true,
      paramLabel = "FILE|DIR|-",
      description =
          "A YAML or JSON file, a directory of them, or - for standard input; repeatable.")
  List<String> files = new ArrayList<>();

  @Option(names = "--prune", description = "Delete the resources the documents do not name.")
  boolean prune;

  @Override
  public Integer call() {
    ConfigDocuments documents = ConfigDocuments.read(files, System.in);
    ApplyRequest request =
        ApplyRequest.newBuilder()
            .setConfig(documents.config())
            .setPrune(prune)
            .setValidateOnly(dryRun)
            .setIfRevision(ifRevision)
            .build();
    ApplyResponse answer =
        withClient(c -> explained(() -> c.call(s -> s.apply(request)), documents::origin));
    print(answer, dryRun, "the one in " + String.join(", ", files));
    return 0;
  }
}
