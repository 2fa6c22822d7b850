package dev.concierge.dataplane.transport.lean;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.CircuitBreaker;
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
  // The circuit breaker whose connection place this connect (and then its connection) holds.
  private final transient @Nullable CircuitBreaker breaker;
  private final transient @Nullable AtomicBoolean placeHeld;
  transient volatile @Nullable SocketChannel channel;
  private transient volatile Scheduler.@Nullable Task timeout;

  PendingConnect(
      UpstreamExchange exchange,
      SelectorPools pools,
      UpstreamPool pool,
      Endpoint endpoint,
      @Nullable CircuitBreaker breaker) {
    this.breaker = breaker;
    this.placeHeld = breaker == null ? null : new AtomicBoolean(true);
    this.exchange = exchange;
    this.pools = pools;
    this.pool = pool;
    this.endpoint = endpoint;
  }

  /** The circuit breaker whose connection place this holds, or null when connections are free. */
  @Nullable CircuitBreaker breaker() {
    return breaker;
  }

  void scheduleTimeout(Scheduler scheduler) {
    timeout = scheduler.schedule(this, exchange.connectTimeoutMillis(), TimeUnit.MILLISECONDS);
  }

  /** The connect timeout. */
  @Override
  public void run() {
    if (compareAndSet(false, true)) {
      IO.close(channel);
      releasePlace();
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
      releasePlace();
      exchange.connectFailed(failure);
    }
  }

  /**
   * Gives the circuit breaker's connection place back: once, whether the connect failed or its
   * connection closed.
   */
  void releasePlace() {
    AtomicBoolean held = placeHeld;
    if (held != null && held.compareAndSet(true, false)) {
      requireNonNull(breaker, "set with placeHeld").connectionClosed();
    }
  }

  private void cancelTimeout() {
    Scheduler.Task task = timeout;
    if (task != null) {
      task.cancel();
    }
  }
}
