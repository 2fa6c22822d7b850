package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP Basic through a real node: a password the control plane hashed with bcrypt, a bcrypt hash as
 * htpasswd writes it ($2y$) and an argon2id hash (argon2-cffi) all pass, and the backend sees the
 * consumer and not Authorization; a wrong password or an unknown user gets 401 with the realm.
 */
class BasicAuthIT {
  // bcrypt.hashpw(b"s3cret-bcrypt", bcrypt.gensalt(rounds=4)), as htpasswd -B's $2y$.
  private static final String BCRYPT_2Y =
      "$2y$04$Yrfbqaua1YZXcyYgVIkdQ.B6GSC.8wOPU.Pfb1MY83gqcLmQt2hJC";
  // argon2.PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash("s3cret-argon")
  private static final String ARGON2ID =
      "$argon2id$v=19$m=1024,t=2,p=1$kcK8WktI7TYUINRfAzHXKg$"
          + "g3PePMjdTYGG26IAUPczvwhY9fdK+8JQksvGcE3O9ko";

  @TempDir Path work;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer node;
  private FleetCli cli;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(work.resolve("cp"), 0);
    node = fleet.startNode("n1");
    cli = new FleetCli(fleet, work);
    fleet.createCluster("app", backend);
  }

  @AfterEach
  void tearDown() {
    if (fleet != null) {
      fleet.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private HttpResponse<String> get(String user, String password) {
    var request = Http.request(node.httpPort(), "/staff/page");
    if (user != null) {
      request.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return Http.send(request);
  }

  @Test
  void bcryptAndArgon2HashesPassAndWrongPasswordsGet401() throws Exception {
    Path passwordFile = Files.writeString(work.resolve("bob.txt"), "correct horse battery\n");
    cli.ok("consumer", "create", "bob");
    cli.ok("consumer", "create", "carol");
    cli.ok("consumer", "create", "dave");
    String set =
        cli.ok(
            "consumer",
            "basic",
            "set",
            "bob",
            "--username",
            "bob",
            "--password-file",
            "" + passwordFile);
    assertThat(set).doesNotContain("correct horse");
    cli.ok("consumer", "basic", "set", "carol", "--username", "carol", "--password-hash", ARGON2ID);
    cli.ok("consumer", "basic", "set", "dave", "--username", "dave", "--password-hash", BCRYPT_2Y);
    cli.ok("policy", "create", "staff", "--basic-auth", "--realm", "staff area");
    fleet.createRoute(
        "staff", Fleet.routeTo("/staff", "app").toBuilder().addPolicies("policies/staff").build());
    fleet.awaitSynced();

    for (String[] good :
        new String[][] {
          {"bob", "correct horse battery"}, {"carol", "s3cret-argon"}, {"dave", "s3cret-bcrypt"}
        }) {
      HttpResponse<String> ok = get(good[0], good[1]);
      assertThat(ok.statusCode()).as(good[0]).isEqualTo(200);
      Headers seen = backend.lastRequestHeaders();
      assertThat(seen.getFirst("X-Consumer-Username")).isEqualTo(good[0]);
      assertThat(seen.containsKey("Authorization")).as("Authorization is stripped").isFalse();
      // Again, from the node's cache of verified passwords.
      assertThat(get(good[0], good[1]).statusCode()).as(good[0] + " again").isEqualTo(200);
    }

    HttpResponse<String> wrong = get("bob", "s3cret-bcrypt");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.headers().firstValue("WWW-Authenticate"))
        .hasValue("Basic realm=\"staff area\", charset=\"UTF-8\"");
    assertThat(wrong.body()).startsWith("unauthorized: invalid credentials");
    assertThat(get("carol", "s3cret-bcrypt").statusCode()).isEqualTo(401);
    assertThat(get("nobody", "x").statusCode()).isEqualTo(401);
    assertThat(get(null, null).statusCode()).isEqualTo(401);

    String listed = cli.ok("-o", "json", "consumer", "get", "carol") + cli.ok("consumer", "list");
    assertThat(listed).contains("carol").doesNotContain("argon2id").doesNotContain("$2");
  }
}
