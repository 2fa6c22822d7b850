package dev.concierge.cli;

import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.CreateConsumerRequest;
import dev.concierge.api.v1.DeleteConsumerRequest;
import dev.concierge.api.v1.GetConsumerRequest;
import dev.concierge.api.v1.ListConsumersRequest;
import dev.concierge.api.v1.ListConsumersResponse;
import dev.concierge.api.v1.UpdateConsumerRequest;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code concierge consumer create|list|get|update|delete}, and {@code consumer key} and {@code
 * consumer basic} for their credentials: the callers that key_auth and basic_auth policies let
 * through. Never prints a key (but once, at creation), a password or a hash.
 */
@Command(
    name = "consumer",
    description = "Manage consumers: callers that authenticate at the edge with API keys or Basic.",
    subcommands = {ConsumerKeyCommand.class, ConsumerBasicCommand.class})
final class ConsumerCommand extends ResourceCommand implements Callable<Integer> {

  static final Rpcs<Consumer> RPCS =
      new Rpcs<>(
          Names.CONSUMER,
          (s, name) -> s.getConsumer(GetConsumerRequest.newBuilder().setName(name).build()),
          (s, consumer, validateOnly) ->
              s.createConsumer(
                  CreateConsumerRequest.newBuilder()
                      .setConsumerId(id(consumer.getName()))
                      .setConsumer(consumer)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, consumer, mask, validateOnly) ->
              s.updateConsumer(
                  UpdateConsumerRequest.newBuilder()
                      .setConsumer(consumer)
                      .setUpdateMask(mask)
                      .setValidateOnly(validateOnly)
                      .build()),
          (s, name, etag) ->
              s.deleteConsumer(
                  DeleteConsumerRequest.newBuilder().setName(name).setEtag(etag).build()));

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "create", description = "Create a consumer (without credentials).")
  int create(
      @Parameters(paramLabel = "NAME", description = "Consumer id, e.g. alice or consumers/alice.")
          String typedName,
      @Mixin Labels labels,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    Consumer.Builder consumer =
        Consumer.newBuilder().setName(name(Names.CONSUMER, "create", typedName));
    if (description.given()) {
      consumer.setDescription(description.value);
    }
    consumer.putAllLabels(labels.parsed(this, "create"));
    return create(RPCS, consumer.build(), validateOnly, "created");
  }

  @Command(name = "list", description = "List consumers (never keys or passwords).")
  int list() {
    List<Consumer> all =
        listAll(
            (s, token) ->
                s.listConsumers(ListConsumersRequest.newBuilder().setPageToken(token).build()),
            ListConsumersResponse::getConsumersList,
            ListConsumersResponse::getNextPageToken);
    printer().list(all, table(all));
    return 0;
  }

  @Command(
      name = "get",
      description = "Show one consumer with its key ids and Basic usernames (never secrets).")
  int get(
      @Parameters(paramLabel = "NAME", description = "Consumer id or full name.")
          String typedName) {
    return show(RPCS, typedName, ConsumerCommand::details);
  }

  @Command(name = "update", description = "Change a consumer's description or labels.")
  int update(
      @Parameters(paramLabel = "NAME", description = "Consumer id or full name.") String typedName,
      @Mixin Labels labels,
      @Mixin ResourceOptions.Description description,
      @Mixin ResourceOptions.Etag etag,
      @Mixin ResourceOptions.ValidateOnly validateOnly) {
    String name = name(Names.CONSUMER, "update", typedName);
    if (!description.given() && labels.labels == null) {
      throw usage("update", "nothing to update: give --description or --label");
    }
    Map<String, String> parsed = labels.parsed(this, "update");
    return update(
        RPCS,
        name,
        (current, mask) -> {
          Consumer.Builder consumer = Consumer.newBuilder().setName(name);
          if (description.given()) {
            consumer.setDescription(description.value);
            mask.addPaths("description");
          }
          if (labels.labels != null) {
            consumer.putAllLabels(parsed);
            mask.addPaths("labels");
          }
          return consumer.build();
        },
        etag,
        validateOnly);
  }

  @Command(
      name = "delete",
      description = "Delete a consumer that no policy allows by name, with its credentials.")
  int delete(
      @Parameters(paramLabel = "NAME", description = "Consumer id or full name.") String typedName,
      @Mixin ResourceOptions.Etag etag) {
    return remove(RPCS, typedName, etag);
  }

  /** {@code --label KEY=VALUE}, repeated; on update, replaces every label. */
  static final class Labels {
    @Option(
        names = "--label",
        paramLabel = "KEY=VALUE",
        description = "A label, e.g. team=payments; repeat for more (update: replaces them all).")
    @Nullable List<String> labels;

    Map<String, String> parsed(ResourceCommand command, String sub) {
      Map<String, String> out = new TreeMap<>();
      if (labels != null) {
        for (String label : labels) {
          int equals = label.indexOf('=');
          if (equals <= 0) {
            throw command.usage(sub, "--label takes KEY=VALUE, not '" + label + "'");
          }
          out.put(label.substring(0, equals).strip(), label.substring(equals + 1).strip());
        }
      }
      return out;
    }
  }

  static java.util.function.Consumer<PrintWriter> table(List<Consumer> consumers) {
    return out -> {
      Table t = Table.of("NAME", "DESCRIPTION", "LABELS", "ETAG");
      for (Consumer c : consumers) {
        t.row(id(c.getName()), c.getDescription(), labels(c), c.getEtag());
      }
      t.print(out);
    };
  }

  /** {@code get}: the table, then the key ids and Basic usernames. */
  static java.util.function.Consumer<PrintWriter> details(List<Consumer> consumers) {
    return out -> {
      table(consumers).accept(out);
      for (Consumer c : consumers) {
        if (c.getKeysCount() > 0) {
          out.println(
              "keys: "
                  + String.join(
                      ", ",
                      c.getKeysList().stream()
                          .map(k -> k.getId() + " (" + k.getDisplayPrefix() + "...)")
                          .toList()));
        }
        if (c.getBasicCredentialsCount() > 0) {
          out.println(
              "basic usernames: "
                  + String.join(
                      ", ",
                      c.getBasicCredentialsList().stream().map(b -> b.getUsername()).toList()));
        }
      }
    };
  }

  /**
   * The spec of {@code spec}'s subcommand {@code name}, for its usage errors; else {@code spec}.
   */
  static CommandSpec subcommand(CommandSpec spec, String name) {
    return spec.subcommands().containsKey(name)
        ? spec.subcommands().get(name).getCommandSpec()
        : spec;
  }

  private static String labels(Consumer consumer) {
    return consumer.getLabelsMap().isEmpty()
        ? "-"
        : String.join(
            ",",
            new TreeMap<>(consumer.getLabelsMap())
                .entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList());
  }
}
