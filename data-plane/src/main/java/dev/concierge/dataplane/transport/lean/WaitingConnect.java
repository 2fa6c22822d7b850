package dev.concierge.dataplane.transport.lean;

import dev.concierge.dataplane.cluster.CircuitBreaker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.util.thread.Scheduler;
import org.jspecify.annotations.Nullable;

/**
 * An exchange queued on its cluster's circuit breaker for a connection place (max_connections
 * open): admitted, it opens its connection; not admitted within the try's timeout, it fails as a
 * timeout. Ends exactly once, the breaker's queue deciding between the two. Thread-safe.
 */
final class WaitingConnect implements CircuitBreaker.Waiter, Runnable {
  private final LeanProxyTransport transport;
  private final UpstreamExchange exchange;
  private final CircuitBreaker breaker;
  private volatile Scheduler.@Nullable Task timeout;

  WaitingConnect(LeanProxyTransport transport, UpstreamExchange exchange, CircuitBreaker breaker) {
    this.transport = transport;
    this.exchange = exchange;
    this.breaker = breaker;
  }

  void scheduleTimeout(Scheduler scheduler) {
    timeout = scheduler.schedule(this, exchange.timeoutMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void admit() {
    Scheduler.Task task = timeout;
    if (task != null) {
      task.cancel();
    }
    transport.open(exchange, breaker);
  }

  /** The try's time ran out while waiting. */
  @Override
  public void run() {
    if (breaker.cancel(this)) {
      exchange.connectFailed(
          new TimeoutException("no connection place within " + exchange.timeoutMillis() + " ms"));
    }
  }
}
