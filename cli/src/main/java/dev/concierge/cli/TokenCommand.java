package dev.concierge.cli;

import dev.concierge.api.rules.ResourceIds;
import dev.concierge.api.v1.ApiToken;
import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.CreateTokenResponse;
import dev.concierge.api.v1.DeleteTokenRequest;
import dev.concierge.api.v1.ListTokensRequest;
import dev.concierge.api.v1.TokenRole;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** {@code concierge token create|list|revoke}: named management tokens, each admin or read-only. */
@Command(name = "token", description = "Manage named management tokens (admin or read-only).")
final class TokenCommand extends ResourceCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw missingSubcommand();
  }

  @Command(name = "create", description = "Create a token; its secret is printed once.")
  int create(
      @Parameters(paramLabel = "NAME", description = "1-63 of [a-z0-9-].") String name,
      @Option(
              names = "--role",
              paramLabel = "ROLE",
              defaultValue = "admin",
              converter = RoleConverter.class,
              description =
                  "admin (every call) or read-only (get, list, export, audit, stats; every change"
                      + " is refused). Default: ${DEFAULT-VALUE}.")
          TokenRole role) {
    String checked = checked("create", name);
    CreateTokenResponse created =
        withClient(
            c ->
                c.call(
                    s ->
                        s.createToken(
                            CreateTokenRequest.newBuilder()
                                .setName(checked)
                                .setRole(role)
                                .build())));
    printer()
        .one(
            created,
            out -> {
              out.println(
                  "token \""
                      + checked
                      + "\" ("
                      + spelled(created.getToken().getRole())
                      + ") created; its secret is shown only this once:");
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
              Table t = Table.of("NAME", "ROLE", "CREATED", "CREATED-BY");
              for (ApiToken k : tokens) {
                t.row(k.getName(), spelled(k.getRole()), time(k.getCreateTime()), k.getCreatedBy());
              }
              t.print(out);
            });
    return 0;
  }

  @Command(
      name = "revoke",
      aliases = "delete",
      description = "Revoke (delete) a token; calls carrying it are refused at once.")
  int revoke(@Parameters(paramLabel = "NAME") String name) {
    String checked = checked("revoke", name);
    withClient(
        c -> c.call(s -> s.deleteToken(DeleteTokenRequest.newBuilder().setName(checked).build())));
    printer().deleted(checked, "token \"" + checked + "\" revoked");
    return 0;
  }

  /** How a role is typed and printed; tokens from before roles existed are admin. */
  static String spelled(TokenRole role) {
    return role == TokenRole.TOKEN_ROLE_READ_ONLY ? "read-only" : "admin";
  }

  /** {@code --role admin|read-only}. */
  static final class RoleConverter implements ITypeConverter<TokenRole> {
    @Override
    public TokenRole convert(String value) {
      return switch (value.strip().toLowerCase(Locale.ROOT)) {
        case "admin" -> TokenRole.TOKEN_ROLE_ADMIN;
        case "read-only", "readonly", "read_only" -> TokenRole.TOKEN_ROLE_READ_ONLY;
        default ->
            throw new TypeConversionException(
                "'" + value + "' is not a token role (expected admin or read-only)");
      };
    }
  }

  private String checked(String sub, String name) {
    String n = name.strip();
    if (!ResourceIds.isId(n)) {
      throw usage(sub, "invalid token name '" + n + "': it " + ResourceIds.RULE);
    }
    return n;
  }
}
