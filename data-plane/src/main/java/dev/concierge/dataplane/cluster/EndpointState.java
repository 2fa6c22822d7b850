package dev.concierge.dataplane.cluster;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What the node knows of one endpoint of one cluster, kept for the node's lifetime across config
 * swaps: its health verdict (written by health checks), its requests in flight, and passive failure
 * tracking.
 *
 * <p>Failure tracking: {@value #EJECT_AFTER} connection failures in a row (refused, connect
 * timeout, or reset before any response byte) eject the endpoint for {@value
 * #BASE_EJECTION_SECONDS} s times the number of ejections in a row, at most {@value
 * #MAX_EJECTION_SECONDS} s; a response resets both counts. There is no cap on how many endpoints of
 * a cluster are ejected: balancers fall back to unavailable endpoints when a level has no available
 * one, and a cluster with none available at all sends everything to its first level ("panic", as
 * Envoy), so ejection never takes a cluster out of service on its own.
 *
 * <p>Every change of availability bumps the cluster's shared version so that a priority balancer
 * knows when to recompute its level loads. Lock-free and allocation-free; thread-safe.
 */
public final class EndpointState {
  /** Connection failures in a row that eject an endpoint. */
  public static final int EJECT_AFTER = 5;

  /** The first ejection's length in seconds; the n-th in a row lasts n times as long. */
  public static final int BASE_EJECTION_SECONDS = 10;

  /** The longest ejection in seconds. */
  public static final int MAX_EJECTION_SECONDS = 300;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger failuresInARow = new AtomicInteger();
  private final AtomicInteger version;
  private final LongSupplier nanoClock;
  private volatile boolean healthy = true;
  // Whether active checks run for the endpoint, and whether one has judged it since they began;
  // monitored and not checked is "unknown" (and used). Read by reporting, never by balancers.
  private volatile boolean monitored;
  private volatile boolean checked;
  // What balancers read first: healthy and not ejected. Kept apart so that the common case is one
  // volatile read and no clock read.
  private volatile boolean available = true;
  private volatile boolean ejected;
  private volatile long ejectedUntilNanos;
  private volatile int ejectionsInARow;

  /** A state of its own, on the system clock (tests, tools). */
  public EndpointState() {
    this(new AtomicInteger(), System::nanoTime);
  }

  /**
   * @param version the cluster's availability version, bumped on every change
   * @param nanoClock {@link System#nanoTime()} or a test's clock
   */
  public EndpointState(AtomicInteger version, LongSupplier nanoClock) {
    this.version = version;
    this.nanoClock = nanoClock;
  }

  /** Whether health checks consider the endpoint healthy. */
  public boolean isHealthy() {
    return healthy;
  }

  /** Records a health verdict. */
  public void setHealthy(boolean healthy) {
    if (this.healthy != healthy) {
      this.healthy = healthy;
      refresh();
    }
  }

  /**
   * Whether balancers should pick the endpoint: healthy and not ejected. An ejection that ran out
   * ends here, so this reads the clock only while the endpoint is ejected.
   */
  public boolean isAvailable() {
    return available || recheck();
  }

  private boolean recheck() {
    if (ejected && nanoClock.getAsLong() - ejectedUntilNanos >= 0) {
      ejected = false;
      refresh();
    }
    return available;
  }

  /** Whether active checks run for the endpoint. */
  public boolean isMonitored() {
    return monitored;
  }

  /** Whether an active check has judged the endpoint since checks began for it. */
  public boolean isChecked() {
    return checked;
  }

  /** Active checks begin for the endpoint: it is unknown until the first result. */
  public void checksStarted() {
    monitored = true;
  }

  /** The first check result of the endpoint is in. */
  public void firstCheckDone() {
    checked = true;
  }

  /** Active checks stop for the endpoint: it is neither unknown nor judged by them any more. */
  public void checksStopped() {
    monitored = false;
    checked = false;
  }

  /**
   * An active health check passed: an ejection in force ends now (Envoy's default,
   * successful_active_health_check_uneject_host), since the check just saw the endpoint answer.
   * Writes nothing when the endpoint is not ejected.
   */
  public void checkPassed() {
    if (ejected) {
      ejected = false;
      refresh();
    }
  }

  /** Whether the endpoint is ejected now (an ejection that ran out is ended first). */
  public boolean isEjected() {
    recheck();
    return ejected;
  }

  /** When the current ejection ends, on the state's clock; meaningful while {@link #isEjected}. */
  long ejectedUntilNanos() {
    return ejectedUntilNanos;
  }

  private void refresh() {
    available = healthy && !ejected;
    version.incrementAndGet();
  }

  /** Requests sent to the endpoint and not yet ended. */
  public int inFlight() {
    return inFlight.get();
  }

  /** A try to this endpoint starts. */
  public void tryStarted() {
    inFlight.incrementAndGet();
  }

  /** A try to this endpoint ended, however it ended. */
  public void tryEnded() {
    inFlight.decrementAndGet();
  }

  /** A try could not connect (refused, connect timeout, reset before any response byte). */
  public void connectionFailed() {
    if (failuresInARow.incrementAndGet() != EJECT_AFTER) {
      return; // only the thread that counts the EJECT_AFTER-th failure ejects
    }
    failuresInARow.set(0);
    int ejections = Math.min(ejectionsInARow + 1, MAX_EJECTION_SECONDS / BASE_EJECTION_SECONDS);
    ejectionsInARow = ejections;
    ejectedUntilNanos =
        nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos((long) BASE_EJECTION_SECONDS * ejections);
    ejected = true;
    refresh();
  }

  /** A response came back: the endpoint answers. Writes nothing when there was nothing to clear. */
  public void responded() {
    if (failuresInARow.get() != 0) {
      failuresInARow.set(0);
    }
    if (ejectionsInARow != 0 && !ejected) {
      ejectionsInARow = 0;
    }
  }
}
