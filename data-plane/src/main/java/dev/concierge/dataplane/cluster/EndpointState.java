package dev.concierge.dataplane.cluster;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What the node knows of one endpoint of one cluster, kept for the node's lifetime across config
 * swaps: its health verdict (written by health checks), its requests in flight, and what passive
 * outlier detection counts of it ({@link OutlierDetector} decides; this only keeps the counts).
 *
 * <p>An ejection takes the endpoint out until a time on the state's clock; balancers read one
 * volatile flag, and the clock only while the endpoint is ejected. Every change of availability
 * bumps the cluster's shared version so that a priority balancer knows when to recompute its level
 * loads. Lock-free and allocation-free; thread-safe.
 */
public final class EndpointState {
  /** Bit of {@link #recordOutcome}'s masks for the consecutive-5xx streak. */
  static final int FIVE_XX = 1;

  /** Bit for the consecutive gateway-failure streak. */
  static final int GATEWAY = 2;

  /** Bit for the consecutive connection-failure streak. */
  static final int CONNECT = 4;

  private static final int STREAK_BITS = 21;
  private static final long STREAK_MAX = (1L << STREAK_BITS) - 1;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final EndpointMeter meter = new EndpointMeter();
  // Three streaks of STREAK_BITS each (5xx, gateway, connect; see the masks): one volatile read
  // for the common answer that clears none.
  private final AtomicLong streaks = new AtomicLong();
  // Tries and failed tries since the outlier sweep last took them: requests << 32 | failures.
  private final AtomicLong interval = new AtomicLong();
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
  // Written under the cluster's ejection lock (OutlierDetector), read there too.
  private int ejectionMultiplier;
  private boolean everEjected;

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
      ejectedUntilNanos = nanoClock.getAsLong(); // the multiplier decays from now
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
    boolean was = available;
    available = healthy && !ejected;
    rampOnReturn(was);
    version.incrementAndGet();
  }

  // ---- Slow start: when the endpoint's ramp began (SlowStart reads it; nothing else here does).

  /** {@link #rampStartNanos()} of an endpoint that never came back nor joined a running cluster. */
  static final long NO_RAMP = Long.MIN_VALUE;

  private volatile long rampStartNanos = NO_RAMP;

  /** When the endpoint last became available again or joined a running cluster, or NO_RAMP. */
  long rampStartNanos() {
    return rampStartNanos;
  }

  /** The endpoint joins a cluster that already had endpoints: its ramp begins now. */
  void startRamp() {
    rampStartNanos = nanoClock.getAsLong();
  }

  /** Before the version moves, so that whoever sees the new version sees the ramp too. */
  private void rampOnReturn(boolean wasAvailable) {
    if (!wasAvailable && available) {
      startRamp();
    }
  }

  /** The endpoint's node-lifetime traffic counters. */
  public EndpointMeter meter() {
    return meter;
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

  /**
   * Records how a try ended for the three outlier streaks: the streaks in {@code increment} grow by
   * one, those in {@code keep} stay, the others restart at 0. Returns the streaks after the change,
   * for {@link #streak}. The common answer (every streak restarts) writes nothing when all are 0.
   */
  long recordOutcome(int increment, int keep) {
    if (increment == 0 && keep == 0) {
      if (streaks.get() != 0) {
        streaks.set(0);
      }
      return 0;
    }
    while (true) {
      long current = streaks.get();
      long next = 0;
      for (int bit = 0; bit < 3; bit++) {
        int mask = 1 << bit;
        long value = (current >>> (bit * STREAK_BITS)) & STREAK_MAX;
        if ((increment & mask) != 0) {
          value = Math.min(STREAK_MAX, value + 1);
        } else if ((keep & mask) == 0) {
          value = 0;
        }
        next |= value << (bit * STREAK_BITS);
      }
      if (current == next || streaks.compareAndSet(current, next)) {
        return next;
      }
    }
  }

  /** The length of streak {@code mask} (one of the mask bits) in {@code streaks}. */
  static int streak(long streaks, int mask) {
    int bit = Integer.numberOfTrailingZeros(mask);
    return (int) ((streaks >>> (bit * STREAK_BITS)) & STREAK_MAX);
  }

  /** Restarts streak {@code mask} at 0 if it is still at {@code length}; whether it was. */
  boolean resetStreak(int mask, int length) {
    int bit = Integer.numberOfTrailingZeros(mask);
    while (true) {
      long current = streaks.get();
      if (streak(current, mask) != length) {
        return false;
      }
      long next = current & ~(STREAK_MAX << (bit * STREAK_BITS));
      if (streaks.compareAndSet(current, next)) {
        return true;
      }
    }
  }

  /** Counts one try for the outlier sweep, failed or not. */
  void countTry(boolean failed) {
    interval.addAndGet(failed ? (1L << 32) | 1 : 1L << 32);
  }

  /** The tries and failed tries counted since the last call ({@code tries << 32 | failed}). */
  long takeInterval() {
    return interval.getAndSet(0);
  }

  /**
   * Ejects the endpoint until {@code untilNanos} on its clock. Called under the cluster's ejection
   * lock ({@link OutlierDetector}), as is {@link #nextEjectionMultiplier}.
   */
  void ejectUntil(long untilNanos) {
    ejectedUntilNanos = untilNanos;
    everEjected = true;
    ejected = true;
    meter.ejected();
    refresh();
  }

  /**
   * The multiplier of an ejection starting {@code now}: one more than the last one's, less one for
   * each whole {@code decayNanos} spent without an ejection since it ended (Envoy's decay of
   * num_ejections, computed when needed rather than by a timer).
   */
  int nextEjectionMultiplier(long now, long decayNanos, int most) {
    int multiplier = ejectionMultiplier;
    if (everEjected && multiplier > 0 && now - ejectedUntilNanos > 0) {
      long decayed = (now - ejectedUntilNanos) / Math.max(1, decayNanos);
      multiplier = (int) Math.max(0, multiplier - decayed);
    }
    multiplier = Math.min(most, multiplier + 1);
    ejectionMultiplier = multiplier;
    return multiplier;
  }

  /** Ejects the endpoint for {@code nanos} from now, outside outlier detection (tests, tools). */
  public void eject(long nanos) {
    ejectUntil(nanoClock.getAsLong() + nanos);
  }

  /** The state's clock. */
  long now() {
    return nanoClock.getAsLong();
  }
}
