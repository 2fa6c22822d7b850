package dev.concierge.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerCredentials;
import dev.concierge.api.v1.ConsumerKey;
import dev.concierge.controlplane.consumer.ApiKeys;
import dev.concierge.controlplane.consumer.SealedCredentials;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store keeps a consumer's credentials sealed beside its spec: lists and gets never carry them,
 * the column holds no hash in the clear, and snapshots for nodes carry them, the first build and
 * the incremental ones alike.
 */
class ConsumerSnapshotTest {
  @TempDir Path dir;

  private final KeyCipher cipher = KeyCipher.of(new byte[32]);
  private final SealedCredentials sealed = new SealedCredentials(cipher);

  private static ConsumerCredentials credentials(String... keys) {
    ConsumerCredentials.Builder out =
        ConsumerCredentials.newBuilder()
            .addBasicCredentials(
                BasicCredential.newBuilder()
                    .setUsername("alice")
                    .setPasswordHash(
                        "$2b$04$Yrfbqaua1YZXcyYgVIkdQ.B6GSC.8wOPU.Pfb1MY83gqcLmQt2hJC"));
    for (int i = 0; i < keys.length; i++) {
      out.addKeys(
          ConsumerKey.newBuilder()
              .setId("0000000" + i)
              .setDisplayPrefix(ApiKeys.displayPrefix(keys[i]))
              .setSha256(ByteString.copyFrom(ApiKeys.sha256(keys[i]))));
    }
    return out.build();
  }

  @Test
  void listsNeverCarryCredentialsAndSnapshotsDo() {
    try (JdbcConfigStore store =
        JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), Clock.systemUTC())) {
      SnapshotBuilder builder = new SnapshotBuilder(store, cipher, Clock.systemUTC());
      Consumer alice = Consumer.newBuilder().setName("consumers/alice").build();
      String first = "ck_first";
      store.create(
          ResourceTable.CONSUMERS,
          new Stored<>(alice, sealed.seal(credentials(first), alice.getName())),
          "test");

      String firstHash = Base64.getEncoder().encodeToString(ApiKeys.sha256(first));
      Stored<Consumer> stored = store.getStored(ResourceTable.CONSUMERS, "consumers/alice").get();
      assertThat(stored.sealed()).doesNotContain(firstHash).doesNotContain("$2b$04$");
      assertThat(store.list(ResourceTable.CONSUMERS, 10, "").items())
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.getKeysCount()).isZero();
                assertThat(c.getBasicCredentialsCount()).isZero();
                assertThat(c.toString()).doesNotContain("2b$04");
              });
      assertThat(store.get(ResourceTable.CONSUMERS, "consumers/alice").get().getKeysCount())
          .isZero();

      Consumer inSnapshot = builder.build().getConsumers(0);
      assertThat(inSnapshot.getKeys(0).getSha256().toByteArray()).isEqualTo(ApiKeys.sha256(first));
      assertThat(inSnapshot.getBasicCredentials(0).getPasswordHash()).startsWith("$2b$04$");

      // A second key is a write of its own: the next, incremental snapshot has both.
      store.update(
          ResourceTable.CONSUMERS,
          new Stored<>(alice, sealed.seal(credentials(first, "ck_second"), alice.getName())),
          "",
          "test");
      assertThat(builder.build().getConsumers(0).getKeysList())
          .extracting(k -> k.getSha256().toByteArray())
          .containsExactly(ApiKeys.sha256(first), ApiKeys.sha256("ck_second"));

      store.delete(ResourceTable.CONSUMERS, "consumers/alice", "", "test");
      assertThat(builder.build().getConsumersList()).isEmpty();
    }
  }
}
