package dev.concierge.controlplane.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Node.SyncStatus;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.StoreException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeRegistryTest {
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  private final FakeStore fake = new FakeStore();
  private final ConfigStore store = fake.proxy();
  private final AtomicLong newest = new AtomicLong(1);
  private final ScheduledThreadPoolExecutor writer = new ScheduledThreadPoolExecutor(1);

  {
    writer.setRemoveOnCancelPolicy(true);
  }

  @AfterEach
  void stopWriter() {
    writer.shutdownNow();
  }

  /** The node rows of a store: only saveNodes and listNodes, which is all the registry uses. */
  private static final class FakeStore {
    final List<List<Node>> batches = new CopyOnWriteArrayList<>();
    final Map<String, Node> rows = new TreeMap<>();
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile CountDownLatch entered = new CountDownLatch(1);
    volatile int failures;

    ConfigStore proxy() {
      return (ConfigStore)
          Proxy.newProxyInstance(
              ConfigStore.class.getClassLoader(),
              new Class<?>[] {ConfigStore.class},
              (p, method, args) -> {
                switch (method.getName()) {
                  case "saveNodes" -> {
                    @SuppressWarnings("unchecked")
                    Collection<Node> nodes = (Collection<Node>) args[0];
                    save(List.copyOf(nodes));
                    return null;
                  }
                  case "listNodes" -> {
                    synchronized (this) {
                      return List.copyOf(rows.values());
                    }
                  }
                  default -> throw new UnsupportedOperationException(method.getName());
                }
              });
    }

    private void save(List<Node> nodes) throws InterruptedException {
      entered.countDown();
      gate.await();
      synchronized (this) {
        if (failures > 0) {
          failures--;
          throw new StoreException(StoreException.Reason.UNAVAILABLE, "database down");
        }
        batches.add(nodes);
        for (Node node : nodes) {
          rows.put(node.getName(), node);
        }
      }
    }

    synchronized Node row(String name) {
      return rows.get(name);
    }
  }

  private NodeRegistry registry(Duration flushDelay) {
    return NodeRegistry.load(store, newest::get, CLOCK, writer, flushDelay);
  }

  private static NodeInfo node(String id) {
    return NodeInfo.newBuilder().setId(id).setAddress("10.0.0.1:8080").setVersion("t").build();
  }

  @Test
  void pushesAndAcksDoNotWaitForTheDatabase() throws Exception {
    NodeRegistry registry = registry(Duration.ZERO);
    fake.gate = new CountDownLatch(1); // the store hangs until released
    NodeRegistry.Connection a = registry.connected(node("a"), 0);
    assertThat(fake.entered.await(10, TimeUnit.SECONDS)).isTrue(); // the writer is stuck in it

    CompletableFuture<List<Node>> events =
        CompletableFuture.supplyAsync(
            () -> {
              registry.sent(a, 1);
              registry.acked(a, 1);
              registry.connected(node("b"), 0);
              return registry.list();
            });
    assertThat(events.get(10, TimeUnit.SECONDS))
        .extracting(Node::getName, Node::getStatus)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("nodes/a", SyncStatus.SYNCED),
            org.assertj.core.groups.Tuple.tuple("nodes/b", SyncStatus.PENDING));

    fake.gate.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(fake.row("nodes/a").getAppliedRevision()).isEqualTo(1);
              assertThat(fake.row("nodes/b")).isNotNull();
            });
  }

  @Test
  void changesWithinTheFlushDelayAreSavedInOneBatch() {
    NodeRegistry registry = registry(Duration.ofHours(1));
    List<NodeRegistry.Connection> connections = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      connections.add(registry.connected(node("n" + i), 0));
    }
    for (NodeRegistry.Connection c : connections) {
      registry.sent(c, 1);
      registry.acked(c, 1);
    }
    assertThat(writer.getQueue()).hasSize(1); // one flush scheduled, not one per event
    assertThat(fake.batches).isEmpty();

    registry.flush();

    assertThat(fake.batches).hasSize(1);
    assertThat(fake.batches.get(0))
        .hasSize(100)
        .allSatisfy(
            n -> {
              assertThat(n.getAppliedRevision()).isEqualTo(1);
              assertThat(n.getStatus()).isEqualTo(SyncStatus.SYNCED);
            });
    registry.flush();
    assertThat(fake.batches).hasSize(1); // nothing changed since
  }

  @Test
  void writerSavesChangesAfterTheFlushDelay() {
    NodeRegistry registry = registry(Duration.ofMillis(20));
    NodeRegistry.Connection c = registry.connected(node("a"), 0);
    registry.sent(c, 1);
    registry.acked(c, 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(fake.row("nodes/a").getAppliedRevision()).isEqualTo(1));
    assertThat(fake.row("nodes/a").getConnected()).isTrue();
  }

  @Test
  void failedBatchIsRetriedWithTheNewestState() {
    NodeRegistry registry = registry(Duration.ofHours(1));
    fake.failures = 1;
    NodeRegistry.Connection c = registry.connected(node("a"), 0);
    registry.flush();
    assertThat(fake.batches).isEmpty();
    assertThat(writer.getQueue()).hasSize(1); // retry scheduled

    registry.acked(c, 1);
    registry.flush();
    assertThat(fake.batches).hasSize(1);
    assertThat(fake.row("nodes/a").getAppliedRevision()).isEqualTo(1);
  }

  @Test
  void closeWritesTheLastBatchOnceAndLaterChangesStayInMemory() {
    NodeRegistry registry = registry(Duration.ofHours(1));
    NodeRegistry.Connection c = registry.connected(node("a"), 0);
    registry.disconnected(c);

    registry.close();
    registry.close();

    assertThat(fake.batches).hasSize(1);
    assertThat(fake.row("nodes/a").getConnected()).isFalse();
    assertThat(fake.row("nodes/a").getStatus()).isEqualTo(SyncStatus.DISCONNECTED);
    registry.connected(node("b"), 0);
    registry.flush();
    assertThat(fake.batches).hasSize(2); // an explicit flush still writes
    assertThat(writer.getQueue()).isEmpty(); // but nothing is scheduled after close
  }

  @Test
  void loadsPersistedNodesAsDisconnected() {
    NodeRegistry first = registry(Duration.ofHours(1));
    first.acked(first.connected(node("a"), 0), 1);
    first.flush(); // as if the process died now: the row still says connected
    assertThat(fake.row("nodes/a").getConnected()).isTrue();

    NodeRegistry second = registry(Duration.ofHours(1));
    assertThat(second.list())
        .singleElement()
        .satisfies(
            n -> {
              assertThat(n.getConnected()).isFalse();
              assertThat(n.getStatus()).isEqualTo(SyncStatus.DISCONNECTED);
              assertThat(n.getAppliedRevision()).isEqualTo(1);
            });
    second.close();
    assertThat(fake.row("nodes/a").getConnected()).isFalse();
  }

  @Test
  void servesAtLeastOnlyConnectedNodesThatAckedThatRevisionOnTheirStream() {
    NodeRegistry registry = registry(java.time.Duration.ofHours(1));
    // Claims to serve revision 9 from its cache, but has not ACKed on this stream yet.
    NodeRegistry.Connection cached = registry.connected(node("cached"), 9);
    NodeRegistry.Connection behind = registry.connected(node("behind"), 0);
    NodeRegistry.Connection current = registry.connected(node("current"), 0);
    NodeRegistry.Connection gone = registry.connected(node("gone"), 0);
    registry.acked(behind, 4);
    registry.acked(current, 5);
    registry.acked(gone, 7);
    registry.disconnected(gone);

    assertThat(registry.servingAtLeast(5)).containsExactly("current");
    assertThat(registry.servingAtLeast(4)).containsExactly("behind", "current");
    registry.acked(cached, 9);
    assertThat(registry.servingAtLeast(5)).containsExactly("cached", "current");
  }
}
