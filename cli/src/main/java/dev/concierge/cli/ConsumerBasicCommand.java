package dev.concierge.cli;

import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.DeleteBasicCredentialRequest;
import dev.concierge.api.v1.SetBasicCredentialRequest;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code concierge consumer basic set|delete CONSUMER --username U}: a consumer's HTTP Basic
 * credentials. The password is read from a file or stdin (never from the command line, where {@code
 * ps} and shell history would show it) and hashed by the control plane with bcrypt, or a
 * bcrypt/argon2id hash is given as it is. Neither is ever printed.
 */
@Command(name = "basic", description = "Manage a consumer's HTTP Basic credentials.")
final class ConsumerBasicCommand implements Callable<Integer> {

  @ParentCommand ConsumerCommand consumer;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw consumer.missingSubcommand();
  }

  /** Exactly one source of the password. */
  static final class Secret {
    @Option(
        names = "--password-file",
        paramLabel = "FILE",
        description = "Read the password from the first line of this file.")
    @Nullable Path file;

    @Option(
        names = "--password-stdin",
        description = "Read the password from the first line of stdin.")
    boolean stdin;

    @Option(
        names = "--password-hash",
        paramLabel = "HASH",
        description =
            "Store this bcrypt ($2a$/$2b$/$2y$, as htpasswd -B writes) or argon2id ($argon2id$...)"
                + " hash instead of a password.")
    @Nullable String hash;
  }

  @Command(
      name = "set",
      description = "Set (add or replace) Basic credentials of a consumer for one username.")
  int set(
      @Parameters(paramLabel = "CONSUMER", description = "Consumer id or full name.")
          String typedName,
      @Option(
              names = "--username",
              paramLabel = "USERNAME",
              required = true,
              description = "The username; one consumer's in the whole fleet.")
          String username,
      @ArgGroup(exclusive = true, multiplicity = "1") Secret secret) {
    String name = Names.CONSUMER.name(sub("set"), typedName);
    SetBasicCredentialRequest.Builder request =
        SetBasicCredentialRequest.newBuilder().setName(name).setUsername(username);
    if (secret.hash != null) {
      request.setPasswordHash(secret.hash.strip());
    } else {
      request.setPassword(password(secret));
    }
    Consumer updated = consumer.withClient(c -> c.call(s -> s.setBasicCredential(request.build())));
    consumer
        .printer()
        .changed(
            updated,
            "basic credentials of consumer \""
                + ResourceCommand.id(name)
                + "\" set for username \""
                + username
                + "\""
                + ResourceCommand.etagSuffix(updated.getEtag()));
    return 0;
  }

  @Command(name = "delete", description = "Delete a consumer's Basic credentials for a username.")
  int delete(
      @Parameters(paramLabel = "CONSUMER", description = "Consumer id or full name.")
          String typedName,
      @Option(names = "--username", paramLabel = "USERNAME", required = true) String username) {
    String name = Names.CONSUMER.name(sub("delete"), typedName);
    Consumer updated =
        consumer.withClient(
            c ->
                c.call(
                    s ->
                        s.deleteBasicCredential(
                            DeleteBasicCredentialRequest.newBuilder()
                                .setName(name)
                                .setUsername(username)
                                .build())));
    consumer
        .printer()
        .changed(
            updated,
            "basic credentials of consumer \""
                + ResourceCommand.id(name)
                + "\" for username \""
                + username
                + "\" deleted");
    return 0;
  }

  /** The first line of the password file or of stdin, without its line end. */
  private static String password(Secret secret) {
    try {
      String line;
      if (secret.file != null) {
        try (BufferedReader in = Files.newBufferedReader(secret.file, StandardCharsets.UTF_8)) {
          line = in.readLine();
        } catch (NoSuchFileException e) {
          throw new CommandFailure("--password-file " + secret.file + ": no such file", e);
        }
      } else {
        line =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      }
      if (line == null || line.isEmpty()) {
        throw new CommandFailure(
            (secret.file != null ? "--password-file " + secret.file : "stdin")
                + ": no password on its first line");
      }
      return line;
    } catch (IOException e) {
      throw new CommandFailure("cannot read the password (" + e.getMessage() + ")", e);
    }
  }

  private CommandSpec sub(String name) {
    return ConsumerCommand.subcommand(spec, name);
  }
}
