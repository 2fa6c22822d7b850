package dev.concierge.api.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyCipherTest {
  @TempDir Path dir;

  @Test
  void roundTripsWithTheSameName() throws Exception {
    KeyCipher cipher = KeyCipher.fromDataDir(dir);
    String sealed = cipher.encrypt("secret key", "certificates/a");
    assertThat(sealed).doesNotContain("secret");
    assertThat(cipher.decrypt(sealed, "certificates/a")).isEqualTo("secret key");
  }

  @Test
  void usesAFreshIvPerEncryption() throws Exception {
    KeyCipher cipher = KeyCipher.fromDataDir(dir);
    assertThat(cipher.encrypt("x", "n")).isNotEqualTo(cipher.encrypt("x", "n"));
  }

  @Test
  void rejectsCiphertextMovedToAnotherName() throws Exception {
    KeyCipher cipher = KeyCipher.fromDataDir(dir);
    String sealed = cipher.encrypt("secret", "certificates/a");
    assertThatThrownBy(() -> cipher.decrypt(sealed, "certificates/b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate");
  }

  @Test
  void rejectsCiphertextOfAnotherKey() {
    String sealed = KeyCipher.of(new byte[32]).encrypt("secret", "n");
    byte[] other = new byte[32];
    other[0] = 1;
    assertThatThrownBy(() -> KeyCipher.of(other).decrypt(sealed, "n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void createsMasterKeyFileOwnerOnlyAndReusesIt() throws Exception {
    String sealed = KeyCipher.fromDataDir(dir).encrypt("secret", "n");
    Path file = dir.resolve("master.key");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(KeyCipher.fromDataDir(dir).decrypt(sealed, "n")).isEqualTo("secret");
  }
}
