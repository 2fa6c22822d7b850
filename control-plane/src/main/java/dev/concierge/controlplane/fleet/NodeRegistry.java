package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Node.SyncStatus;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.StoreException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node that ever connected, persisted in the store, with its sync status judged against the
 * newest revision when read. Events of a replaced connection (the node reconnected) are ignored.
 * Thread-safe.
 */
public final class NodeRegistry {
  private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);

  /** One stream of one node; events carry it so that a stale stream cannot touch a newer one. */
  public record Connection(String nodeId, long id) {}

  private static final class Entry {
    Node.Builder node;
    long connectionId = -1;
    boolean ackedSinceConnect;

    Entry(Node.Builder node) {
      this.node = node;
    }
  }

  private final ConfigStore store;
  private final LongSupplier newestRevision;
  private final Clock clock;
  private final Map<String, Entry> nodes = new TreeMap<>(); // guarded by this
  private long lastConnectionId; // guarded by this

  private NodeRegistry(ConfigStore store, LongSupplier newestRevision, Clock clock) {
    this.store = store;
    this.newestRevision = newestRevision;
    this.clock = clock;
  }

  /** Loads the persisted nodes, all marked disconnected: no stream survives a restart. */
  public static NodeRegistry load(ConfigStore store, LongSupplier newestRevision, Clock clock) {
    NodeRegistry registry =
        new NodeRegistry(
            requireNonNull(store, "store"),
            requireNonNull(newestRevision, "newestRevision"),
            requireNonNull(clock, "clock"));
    for (Node node : store.listNodes()) {
      Entry entry =
          new Entry(node.toBuilder().setConnected(false).setStatus(SyncStatus.DISCONNECTED));
      registry.nodes.put(node.getName().substring("nodes/".length()), entry);
      registry.persist(entry);
    }
    return registry;
  }

  /** A node opened a stream, serving the given revision (0 if none). */
  public synchronized Connection connected(NodeInfo info, long servingRevision) {
    Timestamp now = now();
    Entry entry =
        nodes.computeIfAbsent(
            info.getId(), id -> new Entry(Node.newBuilder().setName("nodes/" + id)));
    entry.connectionId = ++lastConnectionId;
    entry.ackedSinceConnect = false;
    entry
        .node
        .setAddress(info.getAddress())
        .setVersion(info.getVersion())
        .clearLabels()
        .putAllLabels(info.getLabelsMap())
        .setAppliedRevision(servingRevision)
        .setSentRevision(0)
        .setLastNack("")
        .setLastNackRevision(0)
        .setConnected(true)
        .setConnectedSince(now)
        .setLastSeen(now);
    persist(entry);
    return new Connection(info.getId(), entry.connectionId);
  }

  /** A snapshot of the revision was pushed on the connection. */
  public synchronized void sent(Connection connection, long revision) {
    current(connection)
        .ifPresent(
            entry -> {
              entry.node.setSentRevision(revision);
              persist(entry);
            });
  }

  /** The node applied the revision. */
  public synchronized void acked(Connection connection, long revision) {
    current(connection)
        .ifPresent(
            entry -> {
              entry.ackedSinceConnect = true;
              entry.node.setAppliedRevision(revision).setLastSeen(now());
              persist(entry);
            });
  }

  /** The node rejected the revision and keeps serving its previous one. */
  public synchronized void nacked(Connection connection, long revision, String error) {
    current(connection)
        .ifPresent(
            entry -> {
              entry.node.setLastNack(error).setLastNackRevision(revision).setLastSeen(now());
              persist(entry);
            });
  }

  /** The node sent something on the connection. */
  public synchronized void seen(Connection connection) {
    current(connection).ifPresent(entry -> entry.node.setLastSeen(now()));
  }

  /** The node sent a report; it may arrive on no stream of ours. */
  public synchronized void seen(String nodeId) {
    Entry entry = nodes.get(nodeId);
    if (entry != null && entry.node.getConnected()) {
      entry.node.setLastSeen(now());
    }
  }

  /** The connection's stream ended. */
  public synchronized void disconnected(Connection connection) {
    current(connection)
        .ifPresent(
            entry -> {
              entry.connectionId = -1;
              entry.node.setConnected(false).setLastSeen(now());
              persist(entry);
            });
  }

  /** Every node, ordered by name, with its status against the newest revision. */
  public synchronized List<Node> list() {
    long newest = newestRevision.getAsLong();
    List<Node> result = new ArrayList<>(nodes.size());
    for (Entry entry : nodes.values()) {
      result.add(withStatus(entry, newest));
    }
    return result;
  }

  /** One node by id. */
  public synchronized Optional<Node> get(String nodeId) {
    Entry entry = nodes.get(nodeId);
    return entry == null
        ? Optional.empty()
        : Optional.of(withStatus(entry, newestRevision.getAsLong()));
  }

  private static Node withStatus(Entry entry, long newest) {
    return entry.node.clone().setStatus(status(entry, newest)).build();
  }

  private static SyncStatus status(Entry entry, long newest) {
    Node.Builder node = entry.node;
    if (!node.getConnected()) {
      return SyncStatus.DISCONNECTED;
    }
    if (entry.ackedSinceConnect && node.getAppliedRevision() >= newest) {
      return SyncStatus.SYNCED;
    }
    if (!node.getLastNack().isEmpty() && node.getLastNackRevision() >= node.getSentRevision()) {
      return SyncStatus.NACKED;
    }
    return SyncStatus.PENDING;
  }

  private Optional<Entry> current(Connection connection) {
    Entry entry = nodes.get(connection.nodeId());
    return entry != null && entry.connectionId == connection.id()
        ? Optional.of(entry)
        : Optional.empty();
  }

  private void persist(Entry entry) {
    try {
      store.saveNode(withStatus(entry, newestRevision.getAsLong()));
    } catch (StoreException e) {
      // The registry in memory stays right; the row catches up with the next event.
      log.warn("could not persist {}: {}", entry.node.getName(), e.getMessage());
    }
  }

  private Timestamp now() {
    Instant now = clock.instant();
    return Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
  }
}
