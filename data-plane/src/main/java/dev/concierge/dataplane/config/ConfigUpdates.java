package dev.concierge.dataplane.config;

import static java.util.Objects.requireNonNull;

import java.time.InstantSource;
import java.util.concurrent.atomic.LongAdder;

/**
 * What became of the configurations the node was given since it started: applied (put in force) or
 * rejected (NACKed), and when the last one was applied. Thread-safe.
 */
public final class ConfigUpdates {
  private final InstantSource clock;
  private final LongAdder applied = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private volatile long lastAppliedMillis = -1;

  /**
   * @param clock what the time of an apply is read from
   */
  public ConfigUpdates(InstantSource clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /** A configuration was put in force now. */
  public void applied() {
    applied.increment();
    lastAppliedMillis = clock.millis();
  }

  /** A configuration was rejected (NACKed); the one in force stays. */
  public void rejected() {
    rejected.increment();
  }

  /** Configurations applied. */
  public long appliedCount() {
    return applied.sum();
  }

  /** Configurations rejected. */
  public long rejectedCount() {
    return rejected.sum();
  }

  /** When the last configuration was applied, in epoch milliseconds, or -1 when none was. */
  public long lastAppliedMillis() {
    return lastAppliedMillis;
  }
}
