package dev.concierge.dataplane.config;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LastGoodSnapshotTest {
  private static final String KEY = "-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY\n";

  @TempDir Path dir;

  private final ConfigSnapshot snapshot =
      ConfigSnapshot.newBuilder()
          .setRevision(9)
          .addAllClusters(List.of(cluster("web", 8081)))
          .addCertificates(Certificate.newBuilder().setName("certificates/c").setPrivateKey(KEY))
          .addConsumers(
              Consumer.newBuilder()
                  .setName("consumers/c")
                  .addBasicCredentials(
                      BasicCredential.newBuilder()
                          .setUsername("u")
                          .setPasswordHash("$2b$04$TOP-SECRET-HASH")))
          .build();

  @Test
  void roundTripsTheSnapshotInAnOwnerOnlyFileWithTheKeysSealed() throws Exception {
    LastGoodSnapshot cache =
        new LastGoodSnapshot(dir.resolve("cache"), KeyCipher.fromFile(dir.resolve("cache.key")));

    assertThat(cache.load()).isEmpty();
    cache.save(snapshot.toBuilder().setRevision(8).build());
    cache.save(snapshot);

    assertThat(cache.load()).contains(snapshot);
    assertThat(Files.readString(cache.file(), StandardCharsets.ISO_8859_1))
        .contains(LastGoodSnapshot.SEALED)
        .doesNotContain("TOP-SECRET-KEY", "PRIVATE KEY", "TOP-SECRET-HASH");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.file())))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("cache.key"))))
        .isEqualTo("rw-------");
    try (var files = Files.list(dir.resolve("cache"))) {
      assertThat(files).containsExactly(cache.file());
    }
  }

  @Test
  void aCacheSealedUnderAnotherKeyIsRefused() throws Exception {
    new LastGoodSnapshot(dir, KeyCipher.fromFile(dir.resolve("one.key"))).save(snapshot);

    LastGoodSnapshot other = new LastGoodSnapshot(dir, KeyCipher.fromFile(dir.resolve("two.key")));

    assertThatThrownBy(other::load)
        .isInstanceOf(IOException.class)
        .hasMessage("the key of certificates/c does not open with this node's cache key");
  }
}
