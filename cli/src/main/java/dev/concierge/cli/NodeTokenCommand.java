package dev.concierge.cli;

import com.google.protobuf.Duration;
import dev.concierge.api.v1.CreateJoinTokenRequest;
import dev.concierge.api.v1.CreateJoinTokenResponse;
import dev.concierge.api.v1.JoinToken;
import dev.concierge.api.v1.ListJoinTokensRequest;
import dev.concierge.api.v1.RevokeJoinTokenRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code concierge node token create|list|revoke}: join tokens for new nodes, by id. */
@Command(name = "token", description = "Manage the join tokens new nodes present.")
final class NodeTokenCommand implements Callable<Integer> {

  @ParentCommand NodeCommand node;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw node.missingSubcommand();
  }

  @Command(name = "create", description = "Create a join token; its secret is printed once.")
  int create(
      @Option(
              names = "--ttl",
              paramLabel = "DURATION",
              defaultValue = "1h",
              converter = Durations.JoinTokenTtlConverter.class,
              description =
                  "How long nodes can join with it, 1m to 30d (default ${DEFAULT-VALUE}).")
          Duration ttl) {
    CreateJoinTokenResponse created =
        node.withClient(
            c ->
                c.call(
                    s ->
                        s.createJoinToken(
                            CreateJoinTokenRequest.newBuilder().setTtl(ttl).build())));
    node.printer()
        .one(
            created,
            out -> {
              JoinToken t = created.getToken();
              out.println(
                  "join token "
                      + t.getId()
                      + " created, valid until "
                      + ResourceCommand.time(t.getExpireTime())
                      + "; its secret is shown only this once:");
              out.println(created.getSecret());
            });
    return 0;
  }

  @Command(name = "list", description = "List join tokens (never secrets).")
  int list() {
    List<JoinToken> tokens =
        node.withClient(
                c -> c.call(s -> s.listJoinTokens(ListJoinTokensRequest.getDefaultInstance())))
            .getTokensList();
    node.printer()
        .list(
            tokens,
            out -> {
              Table t = Table.of("ID", "CREATED", "EXPIRES", "CREATED-BY");
              for (JoinToken k : tokens) {
                t.row(
                    k.getId(),
                    ResourceCommand.time(k.getCreateTime()),
                    ResourceCommand.time(k.getExpireTime()),
                    k.getCreatedBy());
              }
              t.print(out);
            });
    return 0;
  }

  @Command(name = "revoke", description = "Revoke a join token: no node can join with it any more.")
  int revoke(@Parameters(paramLabel = "ID") String id) {
    String checked = id.strip();
    if (!checked.matches("[0-9a-f]{8}")) {
      throw new ParameterException(
          spec.commandLine(),
          "invalid join token id '"
              + checked
              + "': it is the 8 hex digits `node token list` shows");
    }
    node.withClient(
        c ->
            c.call(
                s ->
                    s.revokeJoinToken(RevokeJoinTokenRequest.newBuilder().setId(checked).build())));
    node.printer().deleted(checked, "join token " + checked + " revoked");
    return 0;
  }
}
