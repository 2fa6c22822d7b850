package dev.concierge.dataplane.config;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ConfigSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LastGoodSnapshotTest {
  @TempDir Path dir;

  @Test
  void roundTripsTheSnapshotInAnOwnerOnlyFile() throws Exception {
    LastGoodSnapshot cache = new LastGoodSnapshot(dir.resolve("cache"));
    ConfigSnapshot snapshot =
        ConfigSnapshot.newBuilder()
            .setRevision(9)
            .addAllClusters(List.of(cluster("web", 8081)))
            .addCertificates(
                Certificate.newBuilder().setName("certificates/c").setPrivateKey("KEY"))
            .build();

    assertThat(cache.load()).isEmpty();
    cache.save(snapshot.toBuilder().setRevision(8).build());
    cache.save(snapshot);

    assertThat(cache.load()).contains(snapshot);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache.file())))
        .isEqualTo("rw-------");
    try (var files = Files.list(dir.resolve("cache"))) {
      assertThat(files).containsExactly(cache.file());
    }
  }
}
