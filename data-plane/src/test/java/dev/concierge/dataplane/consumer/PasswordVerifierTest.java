package dev.concierge.dataplane.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

/**
 * Hashes made by other implementations verify: bcrypt from Python's bcrypt 4 ($2b$, and the same as
 * htpasswd's $2y$), argon2id from argon2-cffi (the reference C implementation).
 */
class PasswordVerifierTest {
  // bcrypt.hashpw(b"s3cret-bcrypt", bcrypt.gensalt(rounds=4))
  static final String BCRYPT = "$2b$04$Yrfbqaua1YZXcyYgVIkdQ.B6GSC.8wOPU.Pfb1MY83gqcLmQt2hJC";
  // argon2.PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash("s3cret-argon")
  static final String ARGON2ID =
      "$argon2id$v=19$m=1024,t=2,p=1$kcK8WktI7TYUINRfAzHXKg$"
          + "g3PePMjdTYGG26IAUPczvwhY9fdK+8JQksvGcE3O9ko";

  @Test
  void bcryptHashesOfEveryPrefixVerify() {
    for (String prefix : new String[] {"$2b$", "$2y$", "$2a$"}) {
      PasswordVerifier verifier = PasswordVerifier.of(BCRYPT.replace("$2b$", prefix));
      assertThat(verifier.matches("s3cret-bcrypt")).as(prefix).isTrue();
      assertThat(verifier.matches("s3cret-bcryp")).as(prefix).isFalse();
      assertThat(verifier.matches("")).as(prefix).isFalse();
    }
  }

  @Test
  void argon2idPhcStringsVerify() {
    PasswordVerifier verifier = PasswordVerifier.of(ARGON2ID);
    assertThat(verifier).isInstanceOf(PasswordVerifier.Argon2id.class);
    assertThat(verifier.matches("s3cret-argon")).isTrue();
    assertThat(verifier.matches("s3cret-argon ")).isFalse();
  }

  @Test
  void theControlPlanesOwnBcryptVerifies() {
    String hash = OpenBSDBCrypt.generate("2b", "pässword".toCharArray(), new byte[16], 4);
    assertThat(PasswordVerifier.of(hash).matches("pässword")).isTrue();
    assertThat(PasswordVerifier.of(hash).matches("password")).isFalse();
  }
}
