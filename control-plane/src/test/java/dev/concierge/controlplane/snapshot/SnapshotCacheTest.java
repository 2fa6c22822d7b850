package dev.concierge.controlplane.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.controlplane.store.JdbcConfigStore;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCacheTest {
  @TempDir Path dir;

  private static Cluster cluster(int i) {
    return Cluster.newBuilder()
        .setName("clusters/c" + i)
        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(1000 + i))
        .build();
  }

  @Test
  void coalescesRevisionsCommittedDuringABuildIntoOneMoreBuild() throws Exception {
    try (JdbcConfigStore store =
            JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), Clock.systemUTC());
        SnapshotCache cache =
            SnapshotCache.start(
                new SnapshotBuilder(store, KeyCipher.of(new byte[32]), Clock.systemUTC()),
                store::revision,
                Duration.ofHours(1))) {
      assertThat(cache.current().getRevision()).isZero();
      store.addListener(cache::onRevision);
      CountDownLatch release = new CountDownLatch(1);
      List<Long> seen = new CopyOnWriteArrayList<>();
      cache.addListener(
          snapshot -> {
            seen.add(snapshot.getRevision());
            try {
              // Holds the snapshot thread, as a slow build would, while more writes commit.
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      store.create(ResourceTable.CLUSTERS, Stored.of(cluster(1)), "t");
      await().until(() -> seen.size() == 1);
      for (int i = 2; i <= 6; i++) {
        store.create(ResourceTable.CLUSTERS, Stored.of(cluster(i)), "t");
      }
      release.countDown();
      await().until(() -> cache.current().getRevision() == 6);
      await().until(() -> seen.size() == 2);
      assertThat(seen).containsExactly(1L, 6L);
      ConfigSnapshot newest = cache.current();
      assertThat(newest.getClustersCount()).isEqualTo(6);
      assertThat(newest.hasCreateTime()).isTrue();
    }
  }

  @Test
  void pollsTheStoreForWritesItWasNotToldOf() throws Exception {
    try (JdbcConfigStore store =
            JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), Clock.systemUTC());
        SnapshotCache cache =
            SnapshotCache.start(
                new SnapshotBuilder(store, KeyCipher.of(new byte[32]), Clock.systemUTC()),
                store::revision,
                Duration.ofMillis(50))) {
      store.create(ResourceTable.CLUSTERS, Stored.of(cluster(1)), "t");
      await().until(() -> cache.current().getRevision() == 1);
    }
  }
}
