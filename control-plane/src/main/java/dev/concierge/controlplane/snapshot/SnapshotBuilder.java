package dev.concierge.controlplane.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.controlplane.crypto.KeyCipher;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.StoredCertificate;
import dev.concierge.controlplane.store.StoredConfig;
import java.time.Clock;
import java.time.Instant;

/**
 * Turns the store at its newest revision into one ConfigSnapshot, with keys decrypted for nodes.
 */
public final class SnapshotBuilder {
  private final ConfigStore store;
  private final KeyCipher cipher;
  private final Clock clock;

  public SnapshotBuilder(ConfigStore store, KeyCipher cipher, Clock clock) {
    this.store = requireNonNull(store, "store");
    this.cipher = requireNonNull(cipher, "cipher");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The snapshot of the newest committed revision. */
  public ConfigSnapshot build() {
    StoredConfig config = store.readConfig();
    Instant now = clock.instant();
    ConfigSnapshot.Builder snapshot =
        ConfigSnapshot.newBuilder()
            .setRevision(config.revision())
            .setCreateTime(
                Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
            .addAllClusters(config.clusters())
            .addAllRoutes(config.routes());
    for (StoredCertificate stored : config.certificates()) {
      String name = stored.certificate().getName();
      snapshot.addCertificates(
          stored.certificate().toBuilder()
              .setPrivateKey(cipher.decrypt(stored.keyCiphertext(), name)));
    }
    return snapshot.build();
  }
}
