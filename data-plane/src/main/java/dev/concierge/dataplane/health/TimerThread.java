package dev.concierge.dataplane.health;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** A {@link CheckTimer} on a daemon thread of its own, and how to stop that thread. */
record TimerThread(CheckTimer timer, Runnable shutdown) {
  /** Starts a timer thread named {@code name}; cancelled tasks leave its queue at once. */
  static TimerThread start(String name) {
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, name);
              thread.setDaemon(true);
              return thread;
            });
    executor.setRemoveOnCancelPolicy(true);
    CheckTimer timer =
        (task, delayNanos) -> {
          var future = executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
          return () -> future.cancel(false);
        };
    return new TimerThread(timer, executor::shutdownNow);
  }
}
