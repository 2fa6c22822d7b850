package dev.concierge.dataplane.health;

import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.OutlierDetector;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the success-rate and failure-percentage sweeps ({@link OutlierDetector#sweep}) of the
 * runtime in force, every cluster at its own interval, for the node's lifetime. {@link #update}
 * re-plans on each config swap: a cluster that keeps its interval keeps its schedule and sweeps the
 * new runtime's detector next time (the counts live in node-lifetime endpoint states). Clusters
 * without those rules cost nothing. Thread-safe.
 */
public final class OutlierSweeper implements AutoCloseable {
  private final CheckTimer timer;
  private final Runnable resources;
  // Guarded by this: the sweeps in force by cluster name.
  private Map<String, Sweep> sweeps = new HashMap<>();
  private boolean closed;

  OutlierSweeper(CheckTimer timer, Runnable resources) {
    this.timer = timer;
    this.resources = resources;
  }

  /** A sweeper with its own timer thread. */
  public static OutlierSweeper start() {
    TimerThread thread = TimerThread.start("concierge-outliers");
    return new OutlierSweeper(thread.timer(), thread.shutdown());
  }

  /** Re-plans the sweeps for {@code clusters}, the runtime's now in force. */
  public synchronized void update(Map<String, CompiledCluster> clusters) {
    if (closed) {
      return;
    }
    Map<String, Sweep> next = new HashMap<>();
    clusters.forEach(
        (name, cluster) -> {
          OutlierDetector detector = cluster.outliers();
          if (!detector.policy().sweeps()) {
            return;
          }
          Sweep sweep = sweeps.remove(name);
          if (sweep != null && sweep.intervalNanos == detector.policy().intervalNanos()) {
            sweep.detector = detector;
          } else {
            if (sweep != null) {
              sweep.cancel();
            }
            sweep = new Sweep(detector);
            sweep.plan();
          }
          next.put(name, sweep);
        });
    sweeps.values().forEach(Sweep::cancel);
    sweeps = next;
  }

  /** The number of clusters swept (tests). */
  synchronized int sweptClusters() {
    return sweeps.size();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    sweeps.values().forEach(Sweep::cancel);
    sweeps = Map.of();
    resources.run();
  }

  /** The schedule of one cluster's sweep. */
  private final class Sweep implements Runnable {
    private final long intervalNanos;
    private volatile OutlierDetector detector;
    private volatile boolean cancelled;
    private volatile CheckTimer.@org.jspecify.annotations.Nullable Scheduled next;

    Sweep(OutlierDetector detector) {
      this.detector = detector;
      this.intervalNanos = detector.policy().intervalNanos();
    }

    void plan() {
      if (!cancelled) {
        next = timer.schedule(this, intervalNanos);
      }
    }

    @Override
    public void run() {
      if (cancelled) {
        return;
      }
      detector.sweep();
      plan();
    }

    void cancel() {
      cancelled = true;
      CheckTimer.Scheduled scheduled = next;
      if (scheduled != null) {
        scheduled.cancel();
      }
    }
  }
}
