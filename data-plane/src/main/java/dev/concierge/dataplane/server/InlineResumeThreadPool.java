package dev.concierge.dataplane.server;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.jspecify.annotations.Nullable;

/**
 * The proxy port's thread pool. Jetty's HTTP/1.1 connection hands itself to the pool after every
 * request that completes asynchronously (to look for a pipelined request), and a proxied request
 * always does: one thread wake-up and context switch per request, usually to find nothing to read.
 * When the whole handler tree is non-blocking, that resumption runs on the completing thread
 * instead (for the lean transport: the selector thread serving both legs), as Jetty does itself
 * when a request completes while still being handled. Every other task is queued.
 */
public final class InlineResumeThreadPool extends QueuedThreadPool {
  private volatile @Nullable Server server;

  public InlineResumeThreadPool(int maxThreads, int minThreads) {
    super(maxThreads, minThreads);
  }

  /** Resumptions run inline while {@code server}'s handler tree is non-blocking. */
  public void inlineResumesOf(Server server) {
    this.server = server;
  }

  /**
   * As Jetty's, but a {@link BufferCacheThread}: the selector and handler threads keep their buffer
   * cache in a field.
   */
  @Override
  public Thread newThread(Runnable runnable) {
    Thread thread = new BufferCacheThread(runnable);
    thread.setDaemon(isDaemon());
    thread.setName(getName() + "-" + thread.getId());
    thread.setContextClassLoader(getClass().getClassLoader());
    return thread;
  }

  @Override
  public void execute(Runnable task) {
    Server s = server;
    if (task instanceof HttpConnection
        && s != null
        && s.getInvocationType() == Invocable.InvocationType.NON_BLOCKING) {
      task.run();
      return;
    }
    super.execute(task);
  }
}
