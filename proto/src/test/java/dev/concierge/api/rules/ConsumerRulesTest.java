package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.concierge.api.v1.BasicAuth;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.api.v1.KeyAuth;
import dev.concierge.api.v1.Policy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rules of consumers, their credentials, and the key_auth and basic_auth policies. */
class ConsumerRulesTest {
  private static final String BCRYPT =
      "$2b$04$Yrfbqaua1YZXcyYgVIkdQ.B6GSC.8wOPU.Pfb1MY83gqcLmQt2hJC";
  private static final String ARGON2ID =
      "$argon2id$v=19$m=1024,t=2,p=1$kcK8WktI7TYUINRfAzHXKg$"
          + "g3PePMjdTYGG26IAUPczvwhY9fdK+8JQksvGcE3O9ko";

  private static List<String> policy(Policy.Builder policy) {
    List<String> found = new ArrayList<>();
    PolicyRules.check(policy.build(), "policy", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static List<String> snapshot(Consumer... consumers) {
    List<String> found = new ArrayList<>();
    ConsumerRules.checkSnapshot(
        ConfigSnapshot.newBuilder().addAllConsumers(List.of(consumers)).build(),
        (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void keyAuthTakesHeaderNamesARealmAndConsumersByName() {
    assertThat(
            policy(
                Policy.newBuilder()
                    .setKeyAuth(
                        KeyAuth.newBuilder()
                            .addKeyNames("X-Partner-Key")
                            .setKeyInQuery(true)
                            .setHideCredentials(false)
                            .addAllowedConsumers("consumers/alice")
                            .setRealm("partners"))))
        .isEmpty();
    assertThat(policy(Policy.newBuilder().setKeyAuth(KeyAuth.getDefaultInstance()))).isEmpty();
    assertThat(
            policy(
                Policy.newBuilder()
                    .setKeyAuth(
                        KeyAuth.newBuilder()
                            .addKeyNames("apikey")
                            .addKeyNames("APIKEY")
                            .addKeyNames("bad name")
                            .addAllowedConsumers("alice")
                            .addAllowedConsumers("consumers/bob")
                            .addAllowedConsumers("consumers/bob")
                            .setRealm("say \"hi\""))))
        .containsExactly(
            "policy.key_auth.key_names[1]: duplicates key_names[0] (header names ignore case)",
            "policy.key_auth.key_names[2]: \"bad name\" is not a header name (letters, digits and"
                + " !#$%&'*+-.^_`|~ only)",
            "policy.key_auth.realm: printable ASCII without '\"' or '\\' only",
            "policy.key_auth.allowed_consumers[0]: \"alice\" must be \"consumers/{id}\" where the id "
                + ResourceIds.RULE,
            "policy.key_auth.allowed_consumers[2]: duplicates allowed_consumers[1]");
    assertThat(ConsumerAuthRules.keyNames(KeyAuth.getDefaultInstance()))
        .containsExactly("apikey", "X-Api-Key");
    assertThat(ConsumerAuthRules.hidesCredentials(KeyAuth.getDefaultInstance())).isTrue();
    assertThat(
            ConsumerAuthRules.hidesCredentials(
                KeyAuth.newBuilder().setHideCredentials(false).build()))
        .isFalse();
  }

  @Test
  void basicAuthTakesARealmAndConsumersByName() {
    assertThat(
            policy(
                Policy.newBuilder()
                    .setBasicAuth(
                        BasicAuth.newBuilder()
                            .setRealm("staff")
                            .addAllowedConsumers("consumers/alice"))))
        .isEmpty();
    assertThat(
            policy(
                Policy.newBuilder().setBasicAuth(BasicAuth.newBuilder().setRealm("x".repeat(65)))))
        .containsExactly("policy.basic_auth.realm: must be at most 64 characters");
    assertThat(ConsumerAuthRules.hidesCredentials(BasicAuth.getDefaultInstance())).isTrue();
    assertThat(ConsumerAuthRules.realm("")).isEqualTo("concierge");
  }

  @Test
  void passwordHashesAreBcryptOrArgon2idAndNeverQuoted() {
    assertThat(ConsumerRules.passwordHashProblem(BCRYPT)).isNull();
    assertThat(ConsumerRules.passwordHashProblem(BCRYPT.replace("$2b$", "$2y$"))).isNull();
    assertThat(ConsumerRules.passwordHashProblem(BCRYPT.replace("$2b$", "$2a$"))).isNull();
    assertThat(ConsumerRules.passwordHashProblem(ARGON2ID)).isNull();
    assertThat(ConsumerRules.passwordHashProblem("$apr1$abc$def")).doesNotContain("abc");
    assertThat(ConsumerRules.passwordHashProblem("$2b$99$" + "a".repeat(53))).isNotNull();
    assertThat(ConsumerRules.passwordHashProblem(ARGON2ID.replace("$argon2id$", "$argon2i$")))
        .isNotNull();
    assertThat(ConsumerRules.passwordHashProblem(ARGON2ID.replace("m=1024", "m=4096000")))
        .contains("out of range");
    assertThat(ConsumerRules.passwordProblem("x".repeat(72))).isNull();
    assertThat(ConsumerRules.passwordProblem("x".repeat(73))).contains("at most 72 bytes");
    assertThat(ConsumerRules.usernameProblem("alice@example.com")).isNull();
    assertThat(ConsumerRules.usernameProblem("a:b")).isNotNull();
    assertThat(ConsumerRules.usernameProblem("")).isNotNull();
  }

  @Test
  void snapshotConsumersHaveValidCredentialsAndFleetUniqueUsernames() {
    Consumer alice =
        Consumer.newBuilder()
            .setName("consumers/alice")
            .addKeys(ConsumerKey.newBuilder().setSha256(ByteString.copyFrom(new byte[32])))
            .addBasicCredentials(
                BasicCredential.newBuilder().setUsername("alice").setPasswordHash(BCRYPT))
            .build();
    assertThat(snapshot(alice)).isEmpty();
    Consumer bob =
        Consumer.newBuilder()
            .setName("consumers/bob")
            .putLabels("Team", "x")
            .addKeys(ConsumerKey.newBuilder().setSha256(ByteString.copyFrom(new byte[3])))
            .addBasicCredentials(
                BasicCredential.newBuilder().setUsername("alice").setPasswordHash(ARGON2ID))
            .addBasicCredentials(
                BasicCredential.newBuilder().setUsername("bob").setPasswordHash("plain"))
            .build();
    assertThat(snapshot(alice, bob, alice))
        .containsExactly(
            "consumers/bob.labels[\"Team\"]: a label key is 1-63 of [a-z0-9_.-], starting with a"
                + " letter",
            "consumers/bob.keys[0].sha256: must be 32 bytes (SHA-256)",
            "consumers/bob.basic_credentials[1].password_hash: must be a bcrypt hash ($2a$, $2b$"
                + " or $2y$, cost 04-31) or an argon2id PHC string"
                + " ($argon2id$v=19$m=...,t=...,p=...$salt$hash)",
            "consumers/bob.basic_credentials[0].username: username \"alice\" is already"
                + " consumers/alice's",
            "consumers/alice.name: duplicate consumer name",
            "consumers/alice.basic_credentials[0].username: username \"alice\" is already"
                + " consumers/alice's");
  }
}
