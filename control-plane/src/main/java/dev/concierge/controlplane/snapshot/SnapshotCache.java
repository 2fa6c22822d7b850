package dev.concierge.controlplane.snapshot;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.ConfigSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds the newest snapshot, shared by every node. Rebuilds on one background thread when told of a
 * new revision; a burst of revisions costs one or two builds, not one per revision. It also polls
 * the store's revision, which catches writes of other control planes on a shared database and
 * retries a build that failed. Thread-safe.
 */
public final class SnapshotCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SnapshotCache.class);

  private final SnapshotBuilder builder;
  private final LongSupplier storeRevision;
  private volatile ConfigSnapshot current;
  private final AtomicBoolean rebuildQueued = new AtomicBoolean();
  private final List<Consumer<ConfigSnapshot>> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService executor =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "concierge-snapshot");
            t.setDaemon(true);
            return t;
          });

  private SnapshotCache(SnapshotBuilder builder, LongSupplier storeRevision, ConfigSnapshot first) {
    this.builder = builder;
    this.storeRevision = storeRevision;
    this.current = first;
  }

  /**
   * A cache holding a snapshot built now, on the calling thread, that also compares its revision
   * with storeRevision at every poll interval.
   */
  public static SnapshotCache start(
      SnapshotBuilder builder, LongSupplier storeRevision, Duration pollInterval) {
    SnapshotCache cache =
        new SnapshotCache(
            requireNonNull(builder, "builder"),
            requireNonNull(storeRevision, "storeRevision"),
            builder.build());
    long millis = pollInterval.toMillis();
    // poll() catches its own failures, so the periodic task is never cancelled by one; close()
    // stops it with the executor.
    var unused =
        cache.executor.scheduleWithFixedDelay(cache::poll, millis, millis, TimeUnit.MILLISECONDS);
    return cache;
  }

  /** The newest snapshot built. */
  public ConfigSnapshot current() {
    return current;
  }

  /** Calls the listener, on the cache's thread, with each newer snapshot. */
  public void addListener(Consumer<ConfigSnapshot> listener) {
    listeners.add(requireNonNull(listener, "listener"));
  }

  /** Schedules a rebuild unless one is queued already, which will then see this revision. */
  public void onRevision(long revision) {
    if (revision <= current.getRevision() || !rebuildQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(this::rebuild);
    } catch (RejectedExecutionException closed) {
      rebuildQueued.set(false);
    }
  }

  private void poll() {
    try {
      onRevision(storeRevision.getAsLong());
    } catch (RuntimeException e) {
      log.debug("revision poll failed: {}", e.toString());
    }
  }

  private void rebuild() {
    // Cleared before reading, so a revision committed during the build queues one more build.
    rebuildQueued.set(false);
    long start = System.nanoTime();
    ConfigSnapshot next;
    try {
      next = builder.build();
    } catch (RuntimeException e) {
      log.warn(
          "snapshot build failed; keeping revision {} until the next poll",
          current.getRevision(),
          e);
      return;
    }
    if (next.getRevision() <= current.getRevision()) {
      return;
    }
    current = next;
    long built = System.nanoTime();
    for (Consumer<ConfigSnapshot> listener : listeners) {
      try {
        listener.accept(next);
      } catch (RuntimeException e) {
        log.warn("snapshot listener failed on revision {}", next.getRevision(), e);
      }
    }
    log.info(
        "revision {}: snapshot built in {} ms, offered to the nodes in {} ms",
        next.getRevision(),
        (built - start) / 1_000_000,
        (System.nanoTime() - built) / 1_000_000);
  }

  @Override
  public void close() {
    // Never interrupt a build: H2 closes its file channel, and thereby the database, when a
    // thread is interrupted inside file I/O.
    executor.shutdown();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
