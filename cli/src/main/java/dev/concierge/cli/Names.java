package dev.concierge.cli;

import dev.concierge.api.rules.ResourceIds;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Turns what the user typed ({@code web} or {@code clusters/web}) into resource names and back. */
enum Names {
  CLUSTER("clusters", "cluster"),
  ROUTE("routes", "route"),
  CERTIFICATE("certificates", "certificate"),
  POLICY("policies", "policy"),
  CONSUMER("consumers", "consumer"),
  NODE("nodes", "node");

  private final String collection;
  private final String singular;

  Names(String collection, String singular) {
    this.collection = collection;
    this.singular = singular;
  }

  /** The full resource name, e.g. {@code clusters/web}; a usage error for another collection. */
  String name(CommandSpec spec, String typed) {
    String id = id(typed);
    if (id.contains("/")) {
      throw new ParameterException(
          spec.commandLine(),
          "'"
              + typed
              + "' is not a "
              + singular()
              + " name (expected ID or "
              + collection
              + "/ID)");
    }
    if (!ResourceIds.isId(id)) {
      throw new ParameterException(
          spec.commandLine(), "invalid " + singular() + " id '" + id + "': it " + ResourceIds.RULE);
    }
    return collection + "/" + id;
  }

  /** The id part: strips this collection's prefix when present. */
  String id(String typed) {
    String t = typed.strip();
    String prefix = collection + "/";
    return t.startsWith(prefix) ? t.substring(prefix.length()) : t;
  }

  /** Human singular, as in messages: {@code cluster}, {@code route}. */
  String singular() {
    return singular;
  }
}
