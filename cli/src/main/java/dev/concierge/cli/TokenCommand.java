package dev.concierge.cli;

import dev.concierge.api.rules.ResourceIds;
import dev.concierge.api.v1.ApiToken;
import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.CreateTokenResponse;
import dev.concierge.api.v1.DeleteTokenRequest;
import dev.concierge.api.v1.ListTokensRequest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code concierge token create|list|delete}: named admin tokens. */
@Command(name = "token", description = "Manage named admin tokens.")
final class TokenCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "create", description = "Create a token; its secret is printed once.")
  int create(@Parameters(paramLabel = "NAME", description = "1-63 of [a-z0-9-].") String name) {
    String checked = checked("create", name);
    CreateTokenResponse created =
        withClient(
            c ->
                c.call(
                    s -> s.createToken(CreateTokenRequest.newBuilder().setName(checked).build())));
    printer()
        .one(
            created,
            out -> {
              out.println("token \"" + checked + "\" created; its secret is shown only this once:");
              out.println(created.getSecret());
              out.println("use it with: export CONCIERGE_TOKEN=" + created.getSecret());
            });
    return 0;
  }

  @Command(name = "list", description = "List token names (never secrets).")
  int list() {
    List<ApiToken> tokens =
        withClient(c -> c.call(s -> s.listTokens(ListTokensRequest.getDefaultInstance())))
            .getTokensList();
    printer()
        .list(
            tokens,
            out -> {
              Table t = Table.of("NAME", "CREATED", "CREATED-BY");
              for (ApiToken k : tokens) {
                t.row(k.getName(), time(k.getCreateTime()), k.getCreatedBy());
              }
              t.print(out);
            });
    return 0;
  }

  @Command(name = "delete", description = "Delete a token; calls carrying it are refused at once.")
  int delete(@Parameters(paramLabel = "NAME") String name) {
    String checked = checked("delete", name);
    withClient(
        c -> c.call(s -> s.deleteToken(DeleteTokenRequest.newBuilder().setName(checked).build())));
    printer().deleted(checked, "token \"" + checked + "\" deleted");
    return 0;
  }

  private String checked(String sub, String name) {
    String n = name.strip();
    if (!ResourceIds.isId(n)) {
      throw usage(sub, "invalid token name '" + n + "': it " + ResourceIds.RULE);
    }
    return n;
  }
}
