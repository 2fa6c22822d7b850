package dev.concierge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.controlplane.ControlPlaneServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code token} and {@code audit} against a real control plane on a loopback port. */
class TokenAndAuditCommandsTest {
  @TempDir Path home;
  @TempDir Path dataDir;
  private ControlPlaneServer server;
  private Map<String, String> env;

  @BeforeEach
  void start() throws Exception {
    server =
        ControlPlaneServer.builder().dataDir(dataDir).bindAddress("127.0.0.1").grpcPort(0).build();
    server.start();
    env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("CONCIERGE_CONFIG", home.resolve("config").toString());
    env.put("CONCIERGE_SERVER", "127.0.0.1:" + server.port());
    env.put("CONCIERGE_TOKEN", server.adminToken());
    env.put("CONCIERGE_CA_FILE", server.caCertificateFile().toString());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  record Result(int code, String out, String err) {}

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  private String createToken(String name, String... more) {
    List<String> args = new java.util.ArrayList<>(List.of("token", "create", name));
    args.addAll(List.of(more));
    Result r = run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    String role = args.contains("read-only") ? "read-only" : "admin";
    assertThat(lines.get(0))
        .isEqualTo(
            "token \"" + name + "\" (" + role + ") created; its secret is shown only this once:");
    assertThat(lines.get(2)).isEqualTo("use it with: export CONCIERGE_TOKEN=" + lines.get(1));
    return lines.get(1);
  }

  @Test
  void aWriteWithANamedTokenShowsUnderItsNameInTheAudit() {
    env.put("CONCIERGE_TOKEN", createToken("ci"));
    assertThat(run("cluster", "create", "web", "--endpoint", "10.0.0.1:80").code()).isZero();
    env.put("CONCIERGE_TOKEN", "wrong");
    assertThat(run("cluster", "delete", "web").code()).isEqualTo(1);
    env.put("CONCIERGE_TOKEN", server.adminToken());

    Result audit = run("audit", "--since", "1h");

    assertThat(audit.code()).as(audit.err()).isZero();
    List<String> lines = audit.out().lines().toList();
    assertThat(lines.get(0)).startsWith("TIME").contains("TOKEN", "CLIENT", "RPC", "RESOURCE");
    // Refused before its request was read: no resource.
    assertThat(lines.get(1)).contains(" - ", "127.0.0.1:", "DeleteCluster", "UNAUTHENTICATED");
    assertThat(lines.get(2)).contains(" ci ", "CreateCluster", "clusters/web", "OK");
    assertThat(lines.get(3)).contains(" admin ", "CreateToken", " ci ", "OK");
    assertThat(lines).hasSize(4);
  }

  @Test
  void auditLimitsAndPrintsJson() throws Exception {
    createToken("one");
    createToken("two");

    Result r = run("audit", "--limit", "1", "-o", "json");

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode events = new ObjectMapper().readTree(r.out());
    assertThat(events).hasSize(1);
    assertThat(events.get(0).get("resource").asText()).isEqualTo("two");
    assertThat(events.get(0).get("tokenName").asText()).isEqualTo("admin");
  }

  @Test
  void tokenListShowsNamesAndRolesAndRevokeRemoves() {
    String ci = createToken("ci");
    String viewer = createToken("viewer", "--role", "read-only");

    Result list = run("token", "list");
    List<String> lines = list.out().lines().toList();
    assertThat(lines.get(0)).containsPattern("NAME +ROLE +CREATED +CREATED-BY");
    assertThat(lines.get(1)).startsWith("admin").contains(" admin ");
    assertThat(lines.get(2)).containsPattern("ci +admin +\\S+ +admin");
    assertThat(lines.get(3)).containsPattern("viewer +read-only +\\S+ +admin");
    assertThat(list.out()).doesNotContain(ci).doesNotContain(viewer);

    assertThat(run("token", "revoke", "ci").out()).isEqualTo("token \"ci\" revoked\n");
    assertThat(run("token", "delete", "viewer").out()).isEqualTo("token \"viewer\" revoked\n");
    assertThat(run("token", "list").out()).doesNotContain("ci ").doesNotContain("viewer");
  }

  @Test
  void aReadOnlyTokenListsButEveryChangeIsDenied() {
    assertThat(run("cluster", "create", "web", "--endpoint", "10.0.0.1:80").code()).isZero();
    env.put("CONCIERGE_TOKEN", createToken("viewer", "--role", "read-only"));

    assertThat(run("cluster", "list").out()).contains("web");
    assertThat(run("token", "list").code()).isZero();
    assertThat(run("audit", "--since", "1h").code()).isZero();
    Result create = run("cluster", "create", "api", "--endpoint", "10.0.0.2:80");
    Result delete = run("cluster", "delete", "web");
    Result token = run("token", "create", "sneaky");

    for (Result denied : List.of(create, delete, token)) {
      assertThat(denied.code()).isEqualTo(1);
      assertThat(denied.err())
          .startsWith("error: ")
          .contains("token \"viewer\" has the role read-only")
          .contains("needs an admin token");
    }
    env.put("CONCIERGE_TOKEN", server.adminToken());
    assertThat(run("cluster", "list").out()).contains("web").doesNotContain("api");
    assertThat(run("token", "list").out()).doesNotContain("sneaky");
  }

  @Test
  void nodeJoinTokensAreCreatedListedWithoutSecretsAndRevoked() {
    Result created = run("node", "token", "create", "--ttl", "2h");
    assertThat(created.code()).as(created.err()).isZero();
    List<String> lines = created.out().lines().toList();
    assertThat(lines.get(0))
        .matches(
            "join token [0-9a-f]{8} created, valid until \\S+; its secret is shown only this once:");
    String id = lines.get(0).substring("join token ".length(), "join token ".length() + 8);
    String secret = lines.get(1);
    assertThat(secret).startsWith(id + ".");

    Result list = run("node", "token", "list");
    assertThat(list.out().lines().toList().get(0))
        .containsPattern("ID +CREATED +EXPIRES +CREATED-BY");
    assertThat(list.out()).containsPattern(id + " +\\S+ +\\S+ +admin").doesNotContain(secret);

    assertThat(run("node", "token", "revoke", id).out())
        .isEqualTo("join token " + id + " revoked\n");
    assertThat(run("node", "token", "list").out()).doesNotContain(id);
    Result again = run("node", "token", "revoke", id);
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("join token \"" + id + "\" does not exist");

    Result badTtl = run("node", "token", "create", "--ttl", "31d");
    assertThat(badTtl.code()).isEqualTo(2);
    assertThat(badTtl.err()).contains("at most 30d");
    Result badId = run("node", "token", "revoke", "xyz");
    assertThat(badId.code()).isEqualTo(2);
    assertThat(badId.err()).contains("invalid join token id 'xyz'");
  }

  @Test
  void refusalsAreOneLineWithTheirExitCodes() {
    Result badName = run("token", "create", "Not_Valid");
    assertThat(badName.code()).isEqualTo(2);
    assertThat(badName.err()).startsWith("error: invalid token name 'Not_Valid'");

    Result admin = run("token", "delete", "admin");
    assertThat(admin.code()).isEqualTo(1);
    assertThat(admin.err())
        .isEqualTo(
            "error: the bootstrap token \"admin\" cannot be deleted (replace admin.token)"
                + System.lineSeparator());

    assertThat(run("audit", "--since", "soon").code()).isEqualTo(2);
    Result badRole = run("token", "create", "ci", "--role", "root");
    assertThat(badRole.code()).isEqualTo(2);
    assertThat(badRole.err()).contains("'root' is not a token role (expected admin or read-only)");
  }
}
