package dev.concierge.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Node;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node rows of the registry: batches that insert and replace, and leave the revision. */
class JdbcNodeRowsTest {
  @TempDir Path dir;
  private JdbcConfigStore store;

  @BeforeEach
  void open() {
    store = JdbcConfigStore.open(JdbcConfigStore.h2Url(dir), Clock.systemUTC());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Node node(String id, String address) {
    return Node.newBuilder().setName("nodes/" + id).setAddress(address).build();
  }

  @Test
  void batchInsertsNewNodesAndReplacesKnownOnes() {
    store.saveNodes(List.of(node("b", "old"), node("c", "old")));
    List<Node> batch = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      batch.add(node(String.format("n%03d", i), "10.0.0." + i % 250));
    }
    batch.add(node("b", "new"));
    batch.add(node("a", "new"));

    store.saveNodes(batch);
    store.saveNodes(List.of());

    assertThat(store.revision()).isZero();
    List<Node> rows = store.listNodes();
    assertThat(rows).hasSize(503);
    assertThat(rows.subList(0, 3))
        .extracting(Node::getName, Node::getAddress)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("nodes/a", "new"),
            org.assertj.core.groups.Tuple.tuple("nodes/b", "new"),
            org.assertj.core.groups.Tuple.tuple("nodes/c", "old"));
  }
}
