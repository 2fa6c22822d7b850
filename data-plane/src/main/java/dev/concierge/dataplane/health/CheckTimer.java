package dev.concierge.dataplane.health;

/** Runs tasks later on the checker's own thread; a test's timer runs them by hand. */
@FunctionalInterface
interface CheckTimer {
  /** Runs {@code task} in {@code delayNanos}; the result cancels it. */
  Scheduled schedule(Runnable task, long delayNanos);

  /** A task waiting to run. */
  @FunctionalInterface
  interface Scheduled {
    /** Runs it no more if it has not started. */
    void cancel();
  }
}
