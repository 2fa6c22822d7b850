package dev.concierge.cli;

import com.google.protobuf.Empty;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
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

  /**
   * Opens a connection, runs {@code work} and closes the connection; the control plane's warnings
   * go to stderr, so that output stays parseable.
   */
  final <T> T withClient(Function<ControlPlaneClient, T> work) {
    PrintWriter err = spec.commandLine().getErr();
    try (ControlPlaneClient client =
        ControlPlaneClient.connect(root.clientSettings(), w -> err.println("warning: " + w))) {
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

  /**
   * The RPCs every kind's commands go through, described once per kind.
   *
   * @param names the kind's names, for typed ids and messages
   * @param get reads one resource by full name
   * @param create stores a new resource (or only checks it)
   * @param update replaces the masked fields (or only checks the change)
   * @param delete deletes one by full name, given an etag or ""
   * @param <T> the resource message
   */
  record Rpcs<T extends Message>(
      Names names,
      BiFunction<ManagementServiceBlockingStub, String, T> get,
      Write<T> create,
      Update<T> update,
      Deletion delete) {}

  /** One kind's create RPC. */
  @FunctionalInterface
  interface Write<T> {
    T call(ManagementServiceBlockingStub stub, T resource, boolean validateOnly);
  }

  /** One kind's update RPC. */
  @FunctionalInterface
  interface Update<T> {
    T call(ManagementServiceBlockingStub stub, T resource, FieldMask mask, boolean validateOnly);
  }

  /** One kind's delete RPC. */
  @FunctionalInterface
  interface Deletion {
    Empty delete(ManagementServiceBlockingStub stub, String name, String etag);
  }

  /** {@code create NAME ...}: sends the resource and prints what the control plane answered. */
  final <T extends Message> int create(
      Rpcs<T> kind, T resource, ResourceOptions.ValidateOnly validateOnly, String done) {
    T created = withClient(c -> c.call(s -> kind.create().call(s, resource, validateOnly.value)));
    printer().changed(created, confirmation(kind, created, validateOnly, done));
    return 0;
  }

  /**
   * {@code update NAME ...}: reads the stored version, applies {@code change} to it (which names
   * what it replaces in the mask) and sends that against the given etag, else the one read: a
   * concurrent update makes ours fail with ABORTED rather than undo it.
   */
  final <T extends Message> int update(
      Rpcs<T> kind,
      String name,
      BiFunction<T, FieldMask.Builder, T> change,
      ResourceOptions.Etag etag,
      ResourceOptions.ValidateOnly validateOnly) {
    T updated =
        withClient(
            c -> {
              T current = c.call(s -> kind.get().apply(s, name));
              FieldMask.Builder mask = FieldMask.newBuilder();
              T next = withEtag(change.apply(current, mask), etag.or(string(current, "etag")));
              return c.call(s -> kind.update().call(s, next, mask.build(), validateOnly.value));
            });
    printer().changed(updated, confirmation(kind, updated, validateOnly, "updated"));
    return 0;
  }

  private static String confirmation(
      Rpcs<?> kind, Message answer, ResourceOptions.ValidateOnly validateOnly, String done) {
    return validateOnly.confirmation(
        kind.names().singular(), id(string(answer, "name")), done, string(answer, "etag"));
  }

  private static String string(Message m, String field) {
    return (String) m.getField(m.getDescriptorForType().findFieldByName(field));
  }

  @SuppressWarnings("unchecked") // a message's builder builds the same type
  private static <T extends Message> T withEtag(T m, String etag) {
    return (T)
        m.toBuilder().setField(m.getDescriptorForType().findFieldByName("etag"), etag).build();
  }

  /** {@code get NAME}: one resource, printed with the kind's table. */
  final <T extends Message> int show(
      Rpcs<T> kind, String typedName, Function<List<T>, Consumer<PrintWriter>> table) {
    String name = name(kind.names(), "get", typedName);
    T item = withClient(c -> c.call(s -> kind.get().apply(s, name)));
    printer().one(item, table.apply(List.of(item)));
    return 0;
  }

  /** {@code delete NAME [--etag E]}. */
  final int remove(Rpcs<?> kind, String typedName, ResourceOptions.Etag etag) {
    String name = name(kind.names(), "delete", typedName);
    withClient(c -> c.call(s -> kind.delete().delete(s, name, etag.or(""))));
    printer().deleted(name, kind.names().singular() + " \"" + id(name) + "\" deleted");
    return 0;
  }

  /** Every item of a paged list RPC, over one connection. */
  final <R, T> List<T> listAll(
      BiFunction<ManagementServiceBlockingStub, String, R> page,
      Function<R, List<T>> items,
      Function<R, String> nextToken) {
    return withClient(c -> allPages(token -> c.call(s -> page.apply(s, token)), items, nextToken));
  }

  /**
   * A usage error of subcommand {@code sub}, worded as picocli words its own, unless the option
   * shared by create and update (so not declared required) was given.
   */
  final void requireOption(String sub, @Nullable List<?> given, String option) {
    if (given == null || given.isEmpty()) {
      throw usage(sub, "Missing required option: '" + option + "'");
    }
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
    return ProtoTime.instant(ts).truncatedTo(ChronoUnit.SECONDS).toString();
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
