package dev.concierge.controlplane.fleet;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Timestamp;
import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Node.SyncStatus;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.controlplane.store.ConfigStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every node that ever connected, with its sync status judged against the newest revision when
 * read. The registry in memory is the truth for reads; node status is telemetry, so the store gets
 * it asynchronously: an event marks the node dirty, and one background writer saves every dirty
 * node in one batch transaction at most once per flush delay. Pushes and ACKs never wait on the
 * database. Events of a replaced connection (the node reconnected) are ignored. Thread-safe.
 */
public final class NodeRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeRegistry.class);

  /** One stream of one node; events carry it so that a stale stream cannot touch a newer one. */
  public record Connection(String nodeId, long id) {}

  /** What the control plane's metrics count; called under the registry's lock, so keep it quick. */
  public interface Events {
    /** A snapshot was pushed to a node. */
    void pushed();

    /** A node ACKed; {@code sincePush} is the time since the push of that revision, if known. */
    void acked(Optional<Duration> sincePush);

    /** A node NACKed. */
    void nacked();

    /** Counts nothing. */
    Events NONE =
        new Events() {
          @Override
          public void pushed() {}

          @Override
          public void acked(Optional<Duration> sincePush) {}

          @Override
          public void nacked() {}
        };
  }

  private static final class Entry {
    Node.Builder node;
    long connectionId = -1;
    boolean ackedSinceConnect;
    // When the sent revision was pushed (clock millis); -1 when unknown.
    long sentAtMillis = -1;

    Entry(Node.Builder node) {
      this.node = node;
    }
  }

  /** How long changes gather before the writer saves them in one batch. */
  public static final Duration FLUSH_DELAY = Duration.ofSeconds(1);

  private final ConfigStore store;
  private final LongSupplier newestRevision;
  private final Clock clock;
  private final ScheduledExecutorService writer;
  private final boolean ownsWriter;
  private final long flushDelayNanos;
  // Serialises flushes, so that an older batch never lands after a newer one.
  private final Object flushLock = new Object();

  // All guarded by this.
  private final Map<String, Entry> nodes = new TreeMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();
  private long lastConnectionId;
  private @Nullable ScheduledFuture<?> pendingFlush;
  private boolean closed;
  private boolean failing;
  private Events events = Events.NONE;

  private NodeRegistry(
      ConfigStore store,
      LongSupplier newestRevision,
      Clock clock,
      ScheduledExecutorService writer,
      boolean ownsWriter,
      Duration flushDelay) {
    this.store = requireNonNull(store, "store");
    this.newestRevision = requireNonNull(newestRevision, "newestRevision");
    this.clock = requireNonNull(clock, "clock");
    this.writer = requireNonNull(writer, "writer");
    this.ownsWriter = ownsWriter;
    this.flushDelayNanos = requireNonNull(flushDelay, "flushDelay").toNanos();
  }

  /**
   * Loads the persisted nodes, all marked disconnected (no stream survives a restart), and saves
   * changes on a thread of its own every {@link #FLUSH_DELAY}.
   */
  public static NodeRegistry load(ConfigStore store, LongSupplier newestRevision, Clock clock) {
    ScheduledThreadPoolExecutor writer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "concierge-fleet-writer");
              t.setDaemon(true);
              return t;
            });
    // close() writes the last batch itself, after the writer has stopped.
    writer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return load(store, newestRevision, clock, writer, true, FLUSH_DELAY);
  }

  /**
   * As {@link #load(ConfigStore, LongSupplier, Clock)}, saving on the given executor (owned by the
   * caller), a flushDelay after the first unsaved change.
   */
  public static NodeRegistry load(
      ConfigStore store,
      LongSupplier newestRevision,
      Clock clock,
      ScheduledExecutorService writer,
      Duration flushDelay) {
    return load(store, newestRevision, clock, writer, false, flushDelay);
  }

  private static NodeRegistry load(
      ConfigStore store,
      LongSupplier newestRevision,
      Clock clock,
      ScheduledExecutorService writer,
      boolean ownsWriter,
      Duration flushDelay) {
    NodeRegistry registry =
        new NodeRegistry(store, newestRevision, clock, writer, ownsWriter, flushDelay);
    List<Node> persisted = store.listNodes();
    synchronized (registry) {
      for (Node node : persisted) {
        Entry entry =
            new Entry(node.toBuilder().setConnected(false).setStatus(SyncStatus.DISCONNECTED));
        registry.nodes.put(node.getName().substring("nodes/".length()), entry);
        if (node.getConnected()) {
          // Saved while connected: the previous run ended without its last batch.
          registry.markDirty(entry);
        }
      }
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
    markDirty(entry);
    return new Connection(info.getId(), entry.connectionId);
  }

  /** Where pushes, ACKs and NACKs are counted from now on. */
  public synchronized void events(Events events) {
    this.events = requireNonNull(events, "events");
  }

  /** A snapshot of the revision was pushed on the connection. */
  public synchronized void sent(Connection connection, long revision) {
    current(connection)
        .ifPresent(
            entry -> {
              entry.node.setSentRevision(revision);
              entry.sentAtMillis = clock.millis();
              events.pushed();
              markDirty(entry);
            });
  }

  /** The node applied the revision. */
  public synchronized void acked(Connection connection, long revision) {
    current(connection)
        .ifPresent(
            entry -> {
              boolean pushed = entry.sentAtMillis >= 0 && entry.node.getSentRevision() == revision;
              events.acked(
                  pushed
                      ? Optional.of(Duration.ofMillis(clock.millis() - entry.sentAtMillis))
                      : Optional.empty());
              entry.sentAtMillis = -1;
              entry.ackedSinceConnect = true;
              entry.node.setAppliedRevision(revision).setLastSeen(now());
              markDirty(entry);
            });
  }

  /** The node rejected the revision and keeps serving its previous one. */
  public synchronized void nacked(Connection connection, long revision, String error) {
    current(connection)
        .ifPresent(
            entry -> {
              events.nacked();
              entry.sentAtMillis = -1;
              entry.node.setLastNack(error).setLastNackRevision(revision).setLastSeen(now());
              markDirty(entry);
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
              markDirty(entry);
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

  /**
   * The ids of the connected nodes that have ACKed, on their current stream, a snapshot of at least
   * this revision; a node that reconnected counts only after its first ACK. Ordered by id.
   */
  public synchronized List<String> servingAtLeast(long revision) {
    List<String> ids = new ArrayList<>();
    for (Map.Entry<String, Entry> e : nodes.entrySet()) {
      Node.Builder node = e.getValue().node;
      if (node.getConnected()
          && e.getValue().ackedSinceConnect
          && node.getAppliedRevision() >= revision) {
        ids.add(e.getKey());
      }
    }
    return ids;
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

  // Called with this held.
  private void markDirty(Entry entry) {
    dirty.add(entry.node.getName());
    scheduleFlush();
  }

  // Called with this held.
  private void scheduleFlush() {
    if (pendingFlush != null || closed || dirty.isEmpty()) {
      return;
    }
    try {
      pendingFlush = writer.schedule(this::scheduledFlush, flushDelayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("fleet writer stopped; node changes stay in memory");
    }
  }

  private void scheduledFlush() {
    synchronized (this) {
      pendingFlush = null;
      if (closed) {
        return; // close() writes the last batch
      }
    }
    flush();
  }

  /**
   * Saves every node changed since the last flush, in one transaction, on the calling thread. On
   * failure the nodes stay dirty and the writer tries again after the flush delay.
   */
  public void flush() {
    synchronized (flushLock) {
      List<Node> batch;
      synchronized (this) {
        if (dirty.isEmpty()) {
          return;
        }
        long newest = newestRevision.getAsLong();
        batch = new ArrayList<>(dirty.size());
        for (String name : dirty) {
          // Only registered nodes are marked dirty, and none is ever removed.
          Entry entry = requireNonNull(nodes.get(name.substring("nodes/".length())), name);
          batch.add(withStatus(entry, newest));
        }
        dirty.clear();
      }
      try {
        store.saveNodes(batch);
      } catch (RuntimeException e) {
        synchronized (this) {
          for (Node node : batch) {
            dirty.add(node.getName());
          }
          if (!failing) {
            // The registry in memory stays right; the rows catch up with a later batch.
            log.warn("could not save {} nodes, will retry: {}", batch.size(), e.getMessage());
          }
          failing = true;
          scheduleFlush();
        }
        return;
      }
      synchronized (this) {
        if (failing) {
          log.info("saved {} nodes again", batch.size());
          failing = false;
        }
      }
    }
  }

  /**
   * Stops the writer and saves what is left, once; call it after the streams have ended and before
   * the store closes. Later changes stay in memory.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (pendingFlush != null) {
        pendingFlush.cancel(false);
        pendingFlush = null;
      }
    }
    if (ownsWriter) {
      // Never interrupt a flush: H2 closes the database when a thread is interrupted in file I/O.
      writer.shutdown();
      try {
        writer.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    flush();
  }

  private Timestamp now() {
    return ProtoTime.timestamp(clock.instant());
  }
}
