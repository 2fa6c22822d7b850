package dev.concierge.dataplane.transport.lean;

import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.transport.lean.LeanConnector.SelectorPools;
import java.net.SocketTimeoutException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * One upstream connect in progress, the attachment that {@link LeanConnector}'s selector manager
 * recognises. Ends exactly once: connected, failed, or timed out after the cluster's connect
 * timeout. Thread-safe.
 */
final class PendingConnect extends AtomicBoolean implements Runnable {
  private static final long serialVersionUID = 1L;

  final transient UpstreamExchange exchange;
  final transient SelectorPools pools;
  final transient UpstreamPool pool;
  final transient Endpoint endpoint;
  transient volatile @Nullable SocketChannel channel;
  private transient volatile Scheduler.@Nullable Task timeout;

  PendingConnect(
      UpstreamExchange exchange, SelectorPools pools, UpstreamPool pool, Endpoint endpoint) {
    this.exchange = exchange;
    this.pools = pools;
    this.pool = pool;
    this.endpoint = endpoint;
  }

  void scheduleTimeout(Scheduler scheduler) {
    timeout = scheduler.schedule(this, exchange.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
  }

  /** The connect timeout. */
  @Override
  public void run() {
    if (compareAndSet(false, true)) {
      IO.close(channel);
      exchange.connectFailed(new SocketTimeoutException("Connect Timeout"));
    }
  }

  /** Whether the connect ended now (false if it had already timed out or failed). */
  boolean succeeded() {
    if (!compareAndSet(false, true)) {
      return false;
    }
    cancelTimeout();
    return true;
  }

  void failed(Throwable failure) {
    if (compareAndSet(false, true)) {
      cancelTimeout();
      IO.close(channel);
      exchange.connectFailed(failure);
    }
  }

  private void cancelTimeout() {
    Scheduler.Task task = timeout;
    if (task != null) {
      task.cancel();
    }
  }
}
