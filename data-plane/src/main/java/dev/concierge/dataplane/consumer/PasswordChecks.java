package dev.concierge.dataplane.consumer;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where bcrypt and argon2 checks run: off the request path's (selector and request) threads, on at
 * most one daemon thread per core, started on first use and ended when idle; at most {@value
 * #QUEUED} checks wait, so a flood of wrong passwords is refused (503) instead of queuing without
 * bound. Thread-safe.
 */
final class PasswordChecks {
  static final int QUEUED = 256;

  private PasswordChecks() {}

  /** The shared executor, made on first use: a node without Basic credentials starts no thread. */
  static Executor shared() {
    return Holder.EXECUTOR;
  }

  private static final class Holder {
    static final ThreadPoolExecutor EXECUTOR = newExecutor();

    private static ThreadPoolExecutor newExecutor() {
      int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
      AtomicInteger count = new AtomicInteger();
      ThreadPoolExecutor executor =
          new ThreadPoolExecutor(
              threads,
              threads,
              30,
              TimeUnit.SECONDS,
              new ArrayBlockingQueue<>(QUEUED),
              task -> {
                Thread thread = new Thread(task, "concierge-password-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
              });
      executor.allowCoreThreadTimeOut(true);
      return executor;
    }
  }
}
