package dev.concierge.controlplane.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Timestamps;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.controlplane.crypto.KeyCipher;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.Stored;
import dev.concierge.controlplane.store.StoredConfig;
import java.time.Clock;

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
    ConfigSnapshot.Builder snapshot =
        ConfigSnapshot.newBuilder()
            .setRevision(config.revision())
            .setCreateTime(Timestamps.fromMillis(clock.millis()))
            .addAllClusters(config.clusters())
            .addAllRoutes(config.routes());
    for (Stored<Certificate> stored : config.certificates()) {
      String name = stored.resource().getName();
      snapshot.addCertificates(
          stored.resource().toBuilder()
              .setPrivateKey(cipher.decrypt(requireNonNull(stored.sealed(), "sealed"), name)));
    }
    return snapshot.build();
  }
}
