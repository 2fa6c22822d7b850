package dev.concierge.dataplane.transport.jetty;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.CircuitBreaker;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.jspecify.annotations.Nullable;

/**
 * The open connections of one cluster whose circuit breaker sets max_connections, over all its
 * endpoints' destinations; the HttpClient request tag of that cluster, so its destinations (and
 * pools) are its own even when another cluster names the same endpoint. One per node-lifetime
 * {@link dev.concierge.dataplane.cluster.CircuitBreakerCounters}: equal by identity.
 *
 * <p>An endpoint's first connection is allowed over the limit (Envoy's rule), so max_connections
 * below the number of endpoints still reaches every endpoint. A destination refused a place waits
 * here until a connection of the cluster closes, and is then woken to ask again: Jetty retries a
 * queued request only when its own destination's connections change. Thread-safe.
 */
final class ClusterConnections {
  private volatile CircuitBreaker breaker;
  private final Set<HttpDestination> starved = ConcurrentHashMap.newKeySet();

  ClusterConnections(CircuitBreaker breaker) {
    this.breaker = requireNonNull(breaker, "breaker");
  }

  /** The cluster's breaker in force (config swaps compile new ones on the same counters). */
  void inForce(CircuitBreaker now) {
    if (breaker != now) {
      breaker = now;
    }
  }

  /**
   * Takes a connection place for {@code destination}, whose first connection this is when {@code
   * firstOfDestination}. When max_connections are open it is refused and {@code destination} is
   * woken (its {@link HttpDestination#send()} run) after the next close. Returns the breaker the
   * place was taken from (it may not limit connections any more), which the holder gives back with
   * {@link #closed}, or null when refused.
   */
  @Nullable CircuitBreaker tryOpen(HttpDestination destination, boolean firstOfDestination) {
    CircuitBreaker now = breaker;
    if (!now.limitsConnections() || now.tryOpenConnection()) {
      return now;
    }
    if (firstOfDestination) {
      // As Envoy: an endpoint the balancer picked gets one connection even over the limit, else
      // its requests would wait for another endpoint's connection to idle out.
      now.openConnectionOverLimit();
      return now;
    }
    starved.add(destination);
    // A close between the refusal and the add woke nobody: ask once more.
    if (now.tryOpenConnection()) {
      starved.remove(destination);
      return now;
    }
    return null;
  }

  /** A connection that held a place of {@code taken} closed (or never opened). */
  void closed(CircuitBreaker taken, Executor executor) {
    if (taken.limitsConnections()) {
      taken.connectionClosed();
    }
    // A woken destination refused again waits again; a second wake-up is harmless.
    for (Iterator<HttpDestination> it = starved.iterator(); it.hasNext(); ) {
      HttpDestination destination = it.next();
      it.remove();
      executor.execute(destination::send);
    }
  }

  @Override
  public String toString() {
    return "cluster connections " + breaker;
  }
}
