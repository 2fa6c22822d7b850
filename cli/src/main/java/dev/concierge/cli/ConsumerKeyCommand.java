package dev.concierge.cli;

import com.google.protobuf.Duration;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.api.v1.CreateConsumerKeyRequest;
import dev.concierge.api.v1.CreateConsumerKeyResponse;
import dev.concierge.api.v1.DeleteConsumerKeyRequest;
import dev.concierge.api.v1.GetConsumerRequest;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code concierge consumer key create|list|delete CONSUMER}: a consumer's API keys. A new key is
 * printed once; the control plane keeps only its SHA-256, and listings show ids and prefixes.
 */
@Command(name = "key", description = "Manage a consumer's API keys.")
final class ConsumerKeyCommand implements Callable<Integer> {

  @ParentCommand ConsumerCommand consumer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw consumer.missingSubcommand();
  }

  @Command(name = "create", description = "Create an API key; it is printed only this once.")
  int create(
      @Parameters(paramLabel = "CONSUMER", description = "Consumer id or full name.")
          String typedName,
      @Option(
              names = "--expires-in",
              paramLabel = "DURATION",
              converter = Durations.Converter.class,
              description = "The key stops working after this long, e.g. 90d (default: never).")
          @Nullable Duration expiresIn) {
    String name = Names.CONSUMER.name(sub("create"), typedName);
    CreateConsumerKeyRequest.Builder request = CreateConsumerKeyRequest.newBuilder().setName(name);
    if (expiresIn != null) {
      request.setExpireTime(
          ProtoTime.timestamp(consumer.root.clock().instant().plus(ProtoTime.duration(expiresIn))));
    }
    CreateConsumerKeyResponse created =
        consumer.withClient(c -> c.call(s -> s.createConsumerKey(request.build())));
    consumer
        .printer()
        .one(
            created,
            out -> {
              ConsumerKey key = created.getKey();
              out.println(
                  "key "
                      + key.getId()
                      + " of consumer \""
                      + ResourceCommand.id(name)
                      + "\" created"
                      + (key.hasExpireTime()
                          ? ", valid until " + ResourceCommand.time(key.getExpireTime())
                          : "")
                      + "; it is shown only this once and cannot be shown again:");
              out.println(created.getSecret());
            });
    return 0;
  }

  @Command(name = "list", description = "List a consumer's keys: ids and prefixes, never keys.")
  int list(
      @Parameters(paramLabel = "CONSUMER", description = "Consumer id or full name.")
          String typedName) {
    String name = Names.CONSUMER.name(sub("list"), typedName);
    Consumer found =
        consumer.withClient(
            c -> c.call(s -> s.getConsumer(GetConsumerRequest.newBuilder().setName(name).build())));
    consumer
        .printer()
        .list(
            found.getKeysList(),
            out -> {
              Table t = Table.of("ID", "PREFIX", "CREATED", "EXPIRES");
              for (ConsumerKey k : found.getKeysList()) {
                t.row(
                    k.getId(),
                    k.getDisplayPrefix() + "...",
                    ResourceCommand.time(k.getCreateTime()),
                    k.hasExpireTime() ? ResourceCommand.time(k.getExpireTime()) : "never");
              }
              t.print(out);
            });
    return 0;
  }

  @Command(name = "delete", description = "Delete an API key: it stops working on every node.")
  int delete(
      @Parameters(index = "0", paramLabel = "CONSUMER", description = "Consumer id or full name.")
          String typedName,
      @Parameters(index = "1", paramLabel = "KEY_ID", description = "The id `key list` shows.")
          String keyId) {
    String name = Names.CONSUMER.name(sub("delete"), typedName);
    String id = keyId.strip();
    if (!id.matches("[0-9a-f]{8}")) {
      throw new ParameterException(
          sub("delete").commandLine(),
          "invalid key id '" + id + "': it is the 8 hex digits `consumer key list` shows");
    }
    consumer.withClient(
        c ->
            c.call(
                s ->
                    s.deleteConsumerKey(
                        DeleteConsumerKeyRequest.newBuilder().setName(name).setKeyId(id).build())));
    consumer
        .printer()
        .deleted(name, "key " + id + " of consumer \"" + ResourceCommand.id(name) + "\" deleted");
    return 0;
  }

  private CommandSpec sub(String name) {
    return ConsumerCommand.subcommand(spec, name);
  }
}
