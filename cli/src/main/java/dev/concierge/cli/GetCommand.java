package dev.concierge.cli;

import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.ExportConfigRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code concierge get all|clusters|routes|certs|policies}: the config as the document {@code
 * apply} takes (YAML unless {@code -o json}), now or at an earlier revision; applying it back
 * changes nothing.
 */
@Command(
    name = "get",
    description = {
      "Print the config as the document apply takes (YAML, or -o json).",
      "Certificates are printed without their private keys; apply keeps the stored ones."
    })
final class GetCommand extends ResourceCommand implements Callable<Integer> {

  /** What to print. */
  enum What {
    ALL,
    CLUSTERS,
    ROUTES,
    CERTS,
    POLICIES
  }

  @SuppressWarnings("NullAway.Init") // picocli sets it: it is required
  @Parameters(
      index = "0",
      paramLabel = "WHAT",
      description = "all, clusters, routes, certs or policies.",
      converter = WhatConverter.class)
  What what;

  @Option(
      names = "--revision",
      paramLabel = "REV",
      description = "The config as it was at revision REV (default: now).")
  long revision;

  @Override
  public Integer call() {
    if (revision < 0) {
      throw usage("get", "--revision must be 1 or more");
    }
    Config config =
        withClient(
            c ->
                c.call(
                    s ->
                        s.exportConfig(
                            ExportConfigRequest.newBuilder().setRevision(revision).build())));
    Config.Builder only = config.toBuilder();
    if (what != What.ALL && what != What.CLUSTERS) {
      only.clearClusters();
    }
    if (what != What.ALL && what != What.ROUTES) {
      only.clearRoutes();
    }
    if (what != What.ALL && what != What.CERTS) {
      only.clearCertificates();
    }
    if (what != What.ALL && what != What.POLICIES) {
      only.clearPolicies();
    }
    out()
        .print(
            root.output() == OutputFormat.JSON
                ? ConfigDocuments.json(only.build()) + "\n"
                : ConfigDocuments.yaml(only.build()));
    return 0;
  }

  /** Case-insensitive choices with the list in the error. */
  static final class WhatConverter extends EnumChoices.Converter<What> {
    WhatConverter() {
      super("something get prints", List.of(What.values()));
    }
  }
}
