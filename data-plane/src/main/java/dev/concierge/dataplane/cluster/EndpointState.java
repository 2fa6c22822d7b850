package dev.concierge.dataplane.cluster;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the node knows of one endpoint of one cluster, kept for the node's lifetime across config
 * swaps: its health verdict (written by health checks and outlier detection) and its requests in
 * flight. Lock-free; thread-safe.
 */
public final class EndpointState {
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean healthy = true;

  /** Whether balancers may pick the endpoint. */
  public boolean isHealthy() {
    return healthy;
  }

  /** Records a health verdict. */
  public void setHealthy(boolean healthy) {
    this.healthy = healthy;
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
}
