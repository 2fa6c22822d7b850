package dev.concierge.cli;

import com.google.protobuf.Timestamp;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every management command group shares: the root's settings, one control plane connection per
 * invocation, the printer and the usage errors of its subcommands.
 */
abstract class ResourceCommand {

  @ParentCommand ConciergeCommand root;

  @Spec CommandSpec spec;

  /** Opens a connection, runs {@code work} and closes the connection. */
  final <T> T withClient(Function<ControlPlaneClient, T> work) {
    try (ControlPlaneClient client = ControlPlaneClient.connect(root.clientSettings())) {
      return work.apply(client);
    }
  }

  /**
   * Every item of a paged list call: {@code page} fetches the page a token names ("" for the
   * first), until a page names no next one.
   */
  static <R, T> List<T> allPages(
      Function<String, R> page, Function<R, List<T>> items, Function<R, String> nextToken) {
    List<T> all = new ArrayList<>();
    String token = "";
    do {
      R response = page.apply(token);
      all.addAll(items.apply(response));
      token = nextToken.apply(response);
    } while (!token.isEmpty());
    return all;
  }

  final ResourcePrinter printer() {
    return new ResourcePrinter(root.output(), out());
  }

  final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** A usage error attributed to subcommand {@code sub}, so the hint names its --help. */
  final ParameterException usage(String sub, String message) {
    CommandSpec target =
        spec.subcommands().containsKey(sub) ? spec.subcommands().get(sub).getCommandSpec() : spec;
    return new ParameterException(target.commandLine(), message);
  }

  /** The full name, or a usage error of subcommand {@code sub}. */
  final String name(Names kind, String sub, String typed) {
    CommandSpec target =
        spec.subcommands().containsKey(sub) ? spec.subcommands().get(sub).getCommandSpec() : spec;
    return kind.name(target, typed);
  }

  /** A group invoked without a subcommand is a usage error: the caller throws this. */
  final ParameterException missingSubcommand() {
    return new ParameterException(
        spec.commandLine(),
        "missing subcommand: one of " + String.join(", ", spec.subcommands().keySet()));
  }

  /** The id of a resource name, for tables: {@code clusters/web} prints as {@code web}. */
  static String id(String name) {
    int slash = name.indexOf('/');
    return slash < 0 ? name : name.substring(slash + 1);
  }

  /** Seconds-precision UTC time, or empty when unset. */
  static String time(Timestamp ts) {
    if (ts.getSeconds() == 0 && ts.getNanos() == 0) {
      return "";
    }
    return Instant.ofEpochSecond(ts.getSeconds()).toString();
  }

  /**
   * {@code unicode} when the output charset can show it, else {@code ascii}: Main prints in the
   * default charset, which is ASCII under a plain C locale.
   */
  static String unicodeOr(String unicode, String ascii) {
    return Charset.defaultCharset().newEncoder().canEncode(unicode) ? unicode : ascii;
  }

  static String etagSuffix(String etag) {
    return etag.isEmpty() ? "" : " (etag " + etag + ")";
  }
}
