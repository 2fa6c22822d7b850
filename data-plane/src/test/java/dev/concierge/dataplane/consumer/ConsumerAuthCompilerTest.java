package dev.concierge.dataplane.consumer;

import static dev.concierge.dataplane.TestSnapshots.named;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.withPolicies;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.concierge.api.v1.BasicAuth;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.api.v1.Policy;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * key_auth and basic_auth compile once per snapshot over the snapshot's consumers: a key is found
 * by its hash, a route's own policy replaces the fleet default, a route without either gets the
 * null object, and a verified password stays verified only while its hash is unchanged.
 */
class ConsumerAuthCompilerTest {
  private final RuntimeCompiler compiler = new RuntimeCompiler();

  static byte[] sha256(String key) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
  }

  static Consumer consumer(String id, String key, long expireSeconds) throws Exception {
    ConsumerKey.Builder k =
        ConsumerKey.newBuilder().setId("00000001").setSha256(ByteString.copyFrom(sha256(key)));
    if (expireSeconds > 0) {
      k.setExpireTime(Timestamp.newBuilder().setSeconds(expireSeconds));
    }
    return Consumer.newBuilder().setName("consumers/" + id).addKeys(k).build();
  }

  private static Policy keyAuth(String id, boolean fleetDefault, KeyAuth.Builder keyAuth) {
    return Policy.newBuilder()
        .setName("policies/" + id)
        .setFleetDefault(fleetDefault)
        .setKeyAuth(keyAuth)
        .build();
  }

  private static KeyAuthPolicy keys(Runtime runtime, String path) {
    return runtime.routes().find("any", path).policies().get(KeyAuthPolicy.KEY);
  }

  private static BasicAuthPolicy basic(Runtime runtime, String path) {
    return runtime.routes().find("any", path).policies().get(BasicAuthPolicy.KEY);
  }

  @Test
  void keysAreFoundByHashAndRoutesWithoutKeyAuthGetTheNullObject() throws Exception {
    ConfigSnapshot snapshot =
        withPolicies(
                List.of(
                    named(route("app", List.of(), "/app", "web"), "partners"),
                    route("web", List.of(), null, "web")),
                keyAuth(
                    "partners", false, KeyAuth.newBuilder().addAllowedConsumers("consumers/alice")))
            .toBuilder()
            .addConsumers(consumer("alice", "ck_alice", 0))
            .addConsumers(consumer("bob", "ck_bob", 1_000))
            .build();
    Runtime runtime = compiler.compile(snapshot);

    KeyAuthPolicy app = keys(runtime, "/app");
    assertThat(app.isNone()).isFalse();
    assertThat(app.holder("ck_alice")).isEqualTo(new ConsumerKeys.Holder("alice", Long.MAX_VALUE));
    assertThat(app.holder("ck_bob")).isEqualTo(new ConsumerKeys.Holder("bob", 1_000_000));
    assertThat(app.holder("ck_nobody")).isNull();
    assertThat(app.allows("alice")).isTrue();
    assertThat(app.allows("bob")).isFalse();
    assertThat(app.challenge()).isEqualTo("Key realm=\"concierge\"");
    assertThat(keys(runtime, "/")).isSameAs(KeyAuthPolicy.none());
    assertThat(basic(runtime, "/app")).isSameAs(BasicAuthPolicy.none());
  }

  @Test
  void theRoutesOwnReplacesTheFleetDefault() throws Exception {
    Runtime runtime =
        compiler.compile(
            withPolicies(
                    List.of(
                        named(route("app", List.of(), "/app", "web"), "own"),
                        route("web", List.of(), null, "web")),
                    keyAuth("everyone", true, KeyAuth.newBuilder().setRealm("fleet")),
                    keyAuth("own", false, KeyAuth.newBuilder().setRealm("app")))
                .toBuilder()
                .addConsumers(consumer("alice", "ck_alice", 0))
                .build());
    assertThat(keys(runtime, "/app").challenge()).isEqualTo("Key realm=\"app\"");
    assertThat(keys(runtime, "/").challenge()).isEqualTo("Key realm=\"fleet\"");
    assertThat(keys(runtime, "/").holder("ck_alice")).isNotNull();
  }

  @Test
  void aVerifiedPasswordStaysVerifiedWhileItsHashIsUnchanged() throws Exception {
    Consumer alice =
        Consumer.newBuilder()
            .setName("consumers/alice")
            .addBasicCredentials(
                BasicCredential.newBuilder()
                    .setUsername("alice")
                    .setPasswordHash(PasswordVerifierTest.BCRYPT))
            .build();
    Policy staff =
        Policy.newBuilder()
            .setName("policies/staff")
            .setFleetDefault(true)
            .setBasicAuth(BasicAuth.newBuilder().setRealm("staff"))
            .build();
    ConfigSnapshot first =
        withPolicies(List.of(route("web", List.of(), null, "web")), staff).toBuilder()
            .addConsumers(alice)
            .build();
    Runtime runtime = compiler.compile(first);
    BasicCredentials.Entry entry = basic(runtime, "/").entry("alice");
    assertThat(entry).isNotNull();
    assertThat(basic(runtime, "/").entry("bob")).isNull();
    byte[] digest = BasicCredentials.digest("s3cret-bcrypt");
    assertThat(entry.verifiedBefore(digest)).isFalse();
    assertThat(entry.verify("wrong", BasicCredentials.digest("wrong"))).isFalse();
    assertThat(entry.verify("s3cret-bcrypt", digest)).isTrue();
    assertThat(entry.verifiedBefore(digest)).isTrue();
    assertThat(entry.verifiedBefore(BasicCredentials.digest("wrong"))).isFalse();

    // Another revision, alice unchanged: her verified password needs no new check.
    Runtime next = compiler.compile(first.toBuilder().setRevision(2).build());
    assertThat(basic(next, "/").entry("alice").verifiedBefore(digest)).isTrue();

    // Her hash changed: the old password must be checked again (and fails).
    Consumer changed =
        alice.toBuilder()
            .setBasicCredentials(
                0,
                alice.getBasicCredentials(0).toBuilder()
                    .setPasswordHash(PasswordVerifierTest.ARGON2ID))
            .build();
    Runtime third =
        compiler.compile(
            first.toBuilder().setRevision(3).clearConsumers().addConsumers(changed).build());
    BasicCredentials.Entry fresh = basic(third, "/").entry("alice");
    assertThat(fresh.verifiedBefore(digest)).isFalse();
    assertThat(fresh.verify("s3cret-bcrypt", digest)).isFalse();
    assertThat(fresh.verify("s3cret-argon", BasicCredentials.digest("s3cret-argon"))).isTrue();
  }
}
