package dev.concierge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.CreateConsumerKeyRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.DeleteConsumerKeyRequest;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.api.v1.SetBasicCredentialRequest;
import dev.concierge.api.v1.UpdatePolicyRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code concierge consumer}, {@code consumer key}, {@code consumer basic} and the key_auth and
 * basic_auth options of {@code policy}, against {@link FakeControlPlane}: a key is printed once and
 * never again, passwords come from a file or stdin and are never printed.
 */
class ConsumerCommandsTest {
  private static FakeControlPlane fake;

  @TempDir Path home;

  private Map<String, String> env;

  @BeforeAll
  static void startFake() throws IOException {
    fake = new FakeControlPlane();
  }

  @AfterAll
  static void stopFake() {
    fake.close();
  }

  @BeforeEach
  void setUp() {
    fake.reset();
    env = new HashMap<>();
    env.put("HOME", home.toString());
    env.put("CONCIERGE_CONFIG", home.resolve("config").toString());
    env.put("CONCIERGE_SERVER", fake.address());
    env.put("CONCIERGE_TOKEN", FakeControlPlane.TOKEN);
    env.put("CONCIERGE_CA_FILE", fake.caFile().toString());
  }

  record Result(int code, String out, String err) {}

  private static final java.time.Clock CLOCK =
      java.time.Clock.fixed(
          java.time.Instant.parse("2027-01-05T08:00:00Z"), java.time.ZoneOffset.UTC);

  private Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = ConciergeCommand.run(args, env, CLOCK, new PrintWriter(out), new PrintWriter(err));
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void consumerCreateListGetUpdateDelete() {
    Result created =
        run("consumer", "create", "alice", "--description", "mobile app", "--label", "team=app");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.out()).startsWith("consumer \"alice\" created (etag ");
    assertThat(fake.consumers.get("consumers/alice").getLabelsMap()).containsEntry("team", "app");

    Result list = run("consumer", "list");
    assertThat(list.out()).contains("NAME").contains("alice").contains("mobile app");

    Result updated = run("consumer", "update", "consumers/alice", "--description", "web app");
    assertThat(updated.code()).as(updated.err()).isZero();
    assertThat(fake.consumers.get("consumers/alice").getDescription()).isEqualTo("web app");
    assertThat(fake.consumers.get("consumers/alice").getLabelsMap()).containsEntry("team", "app");

    Result nothing = run("consumer", "update", "alice");
    assertThat(nothing.code()).isEqualTo(2);
    assertThat(nothing.err()).contains("nothing to update");

    Result deleted = run("consumer", "delete", "alice");
    assertThat(deleted.code()).as(deleted.err()).isZero();
    assertThat(deleted.out()).contains("consumer \"alice\" deleted");
    assertThat(fake.consumers).isEmpty();
  }

  @Test
  void aKeyIsPrintedOnceAndNoListingShowsIt() {
    run("consumer", "create", "alice");
    Result created = run("consumer", "key", "create", "alice", "--expires-in", "90d");
    assertThat(created.code()).as(created.err()).isZero();
    String secret = fake.consumerSecrets.get(0);
    assertThat(created.out())
        .contains("key 0000abc0 of consumer \"alice\" created, valid until 2027-04-05T08:00:00Z")
        .contains("it is shown only this once and cannot be shown again")
        .contains(secret);
    CreateConsumerKeyRequest sent = fake.last("CreateConsumerKey", CreateConsumerKeyRequest.class);
    assertThat(sent.getName()).isEqualTo("consumers/alice");
    assertThat(sent.getExpireTime().getSeconds())
        .isEqualTo(java.time.Instant.parse("2027-04-05T08:00:00Z").getEpochSecond());

    for (String[] listing :
        new String[][] {
          {"consumer", "list"},
          {"-o", "json", "consumer", "list"},
          {"consumer", "get", "alice"},
          {"-o", "yaml", "consumer", "get", "alice"},
          {"consumer", "key", "list", "alice"},
          {"-o", "json", "consumer", "key", "list", "alice"},
        }) {
      Result r = run(listing);
      assertThat(r.code()).as(String.join(" ", listing) + ": " + r.err()).isZero();
      assertThat(r.out()).as(String.join(" ", listing)).doesNotContain(secret);
    }
    assertThat(run("consumer", "key", "list", "alice").out())
        .contains("0000abc0")
        .contains(secret.substring(0, 7) + "...")
        .contains("2027-04-05T08:00:00Z");
    assertThat(run("consumer", "get", "alice").out()).contains("keys: 0000abc0 (ck_kkkk...)");

    Result deleted = run("consumer", "key", "delete", "alice", "0000abc0");
    assertThat(deleted.code()).as(deleted.err()).isZero();
    assertThat(deleted.out()).contains("key 0000abc0 of consumer \"alice\" deleted");
    assertThat(fake.last("DeleteConsumerKey", DeleteConsumerKeyRequest.class).getKeyId())
        .isEqualTo("0000abc0");
    Result badId = run("consumer", "key", "delete", "alice", "nope");
    assertThat(badId.code()).isEqualTo(2);
    assertThat(badId.err()).contains("the 8 hex digits");
  }

  @Test
  void basicCredentialsComeFromAFileOrAHashAndAreNeverPrinted() throws IOException {
    run("consumer", "create", "bob");
    Path file = Files.writeString(home.resolve("pw.txt"), "correct horse\nignored\n");
    Result set =
        run("consumer", "basic", "set", "bob", "--username", "bob", "--password-file", "" + file);
    assertThat(set.code()).as(set.err()).isZero();
    assertThat(set.out())
        .contains("basic credentials of consumer \"bob\" set for username \"bob\"")
        .doesNotContain("correct horse");
    SetBasicCredentialRequest sent =
        fake.last("SetBasicCredential", SetBasicCredentialRequest.class);
    assertThat(sent.getPassword()).isEqualTo("correct horse");
    assertThat(sent.getPasswordHash()).isEmpty();

    String hash = "$2y$10$" + "a".repeat(53);
    Result hashed =
        run(
            "-o",
            "json",
            "consumer",
            "basic",
            "set",
            "bob",
            "--username",
            "b2",
            "--password-hash",
            hash);
    assertThat(hashed.code()).as(hashed.err()).isZero();
    assertThat(hashed.out()).doesNotContain(hash).contains("b2");
    assertThat(fake.last("SetBasicCredential", SetBasicCredentialRequest.class).getPasswordHash())
        .isEqualTo(hash);
    assertThat(run("consumer", "get", "bob").out()).contains("basic usernames: bob, b2");

    Result none = run("consumer", "basic", "set", "bob", "--username", "bob");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("--password-file").contains("--password-hash");
    Result two =
        run(
            "consumer",
            "basic",
            "set",
            "bob",
            "--username",
            "bob",
            "--password-stdin",
            "--password-hash",
            hash);
    assertThat(two.code()).isEqualTo(2);
    assertThat(two.err()).contains("mutually exclusive");

    Result deleted = run("consumer", "basic", "delete", "bob", "--username", "b2");
    assertThat(deleted.code()).as(deleted.err()).isZero();
    assertThat(run("consumer", "get", "bob").out())
        .contains("basic usernames: bob")
        .doesNotContain("b2");
  }

  @Test
  void policyCreateAndUpdateKeyAndBasicAuth() {
    run("consumer", "create", "alice");
    Result created =
        run(
            "policy",
            "create",
            "partners",
            "--key-auth",
            "--key-name",
            "X-Partner-Key",
            "--key-in-query",
            "--allowed-consumer",
            "alice",
            "--realm",
            "partners");
    assertThat(created.code()).as(created.err()).isZero();
    CreatePolicyRequest sent = fake.last("CreatePolicy", CreatePolicyRequest.class);
    assertThat(sent.getPolicy().getKeyAuth())
        .isEqualTo(
            KeyAuth.newBuilder()
                .addKeyNames("X-Partner-Key")
                .setKeyInQuery(true)
                .addAllowedConsumers("consumers/alice")
                .setRealm("partners")
                .build());
    assertThat(run("policy", "list").out()).contains("key-auth");
    assertThat(run("policy", "get", "partners").out())
        .contains("key names: X-Partner-Key (headers and query)")
        .contains("realm: partners")
        .contains("hide credentials: yes")
        .contains("allowed consumers: alice");

    Result update = run("policy", "update", "partners", "--hide-credentials=false");
    assertThat(update.code()).as(update.err()).isZero();
    UpdatePolicyRequest updated = fake.last("UpdatePolicy", UpdatePolicyRequest.class);
    assertThat(updated.getUpdateMask().getPathsList()).containsExactly("key_auth");
    assertThat(updated.getPolicy().getKeyAuth().getHideCredentials()).isFalse();
    assertThat(updated.getPolicy().getKeyAuth().hasHideCredentials()).isTrue();

    Result basic = run("policy", "create", "staff", "--basic-auth", "--realm", "staff");
    assertThat(basic.code()).as(basic.err()).isZero();
    assertThat(run("policy", "list").out()).contains("basic-auth");
    Result wrong = run("policy", "create", "x", "--basic-auth", "--key-name", "apikey");
    assertThat(wrong.code()).isEqualTo(2);
    assertThat(wrong.err()).contains("--key-name and --key-in-query are API-key");
    Result noKind = run("policy", "create", "y", "--realm", "r");
    assertThat(noKind.code()).isEqualTo(2);
    assertThat(noKind.err()).contains("give --key-auth or --basic-auth");
  }
}
