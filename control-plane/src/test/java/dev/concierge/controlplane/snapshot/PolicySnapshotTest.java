package dev.concierge.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshots carry the stored policies, the first build and the incremental ones alike. */
class PolicySnapshotTest {
  @TempDir Path dir;

  private static Policy policy(String cidr) {
    return Policy.newBuilder()
        .setName("policies/office")
        .setIpAccess(IpAccessList.newBuilder().addAllow(cidr))
        .build();
  }

  @Test
  void snapshotsFollowPolicyWritesAndDeletes() {
    try (JdbcConfigStore store =
        JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), Clock.systemUTC())) {
      SnapshotBuilder builder =
          new SnapshotBuilder(store, KeyCipher.of(new byte[32]), Clock.systemUTC());
      store.create(ResourceTable.POLICIES, Stored.of(policy("10.0.0.0/8")), "test");
      assertThat(builder.build().getPoliciesList())
          .extracting(p -> p.getIpAccess().getAllow(0))
          .containsExactly("10.0.0.0/8");

      store.update(ResourceTable.POLICIES, Stored.of(policy("11.0.0.0/8")), "", "test");
      assertThat(builder.build().getPoliciesList())
          .extracting(p -> p.getIpAccess().getAllow(0))
          .containsExactly("11.0.0.0/8");

      store.delete(ResourceTable.POLICIES, "policies/office", "", "test");
      assertThat(builder.build().getPoliciesList()).isEmpty();
      assertThat(store.configAt(2).policies())
          .extracting(p -> p.getIpAccess().getAllow(0))
          .containsExactly("11.0.0.0/8");
    }
  }
}
