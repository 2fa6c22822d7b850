package dev.concierge.dataplane.transport.jetty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.dataplane.cluster.CircuitBreaker;
import dev.concierge.dataplane.cluster.CircuitBreakerCounters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Origin;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.junit.jupiter.api.Test;

class ClusterConnectionsTest {
  private final HttpClient client = new HttpClient();
  private final List<Runnable> woken = new ArrayList<>();
  private final Executor executor = woken::add;

  private HttpDestination destination(int port) {
    return new HttpDestination(client, new Origin("http", "127.0.0.1", port));
  }

  @Test
  void aDestinationRefusedAPlaceIsWokenOnceWhenAConnectionOfTheClusterCloses() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker breaker = CircuitBreaker.of(1, 0, 0, 0, counters);
    ClusterConnections cluster = new ClusterConnections(breaker);
    HttpDestination first = destination(1);
    HttpDestination second = destination(2);

    CircuitBreaker taken = cluster.tryOpen(first, false);
    assertThat(taken).isSameAs(breaker);
    assertThat(cluster.tryOpen(second, false)).isNull();
    assertThat(cluster.tryOpen(second, false)).isNull();
    assertThat(counters.openConnections()).isOne();
    assertThat(woken).isEmpty();

    cluster.closed(taken, executor);
    assertThat(counters.openConnections()).isZero();
    assertThat(woken).as("woken once, though refused twice").hasSize(1);
    cluster.closed(breaker, executor);
    assertThat(woken).as("nobody waits any more").hasSize(1);
  }

  @Test
  void anEndpointsFirstConnectionIsAllowedOverTheLimitAndCounted() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker breaker = CircuitBreaker.of(1, 0, 0, 0, counters);
    ClusterConnections cluster = new ClusterConnections(breaker);

    assertThat(cluster.tryOpen(destination(1), true)).isSameAs(breaker);
    assertThat(cluster.tryOpen(destination(2), true)).isSameAs(breaker);
    assertThat(counters.openConnections()).isEqualTo(2);
    assertThat(cluster.tryOpen(destination(2), false)).isNull();

    cluster.closed(breaker, executor);
    cluster.closed(breaker, executor);
    assertThat(counters.openConnections()).isZero();
  }

  @Test
  void aPlaceGoesBackToTheBreakerItWasTakenFromAcrossConfigSwaps() {
    CircuitBreakerCounters counters = new CircuitBreakerCounters();
    CircuitBreaker limited = CircuitBreaker.of(1, 0, 0, 0, counters);
    ClusterConnections cluster = new ClusterConnections(limited);
    CircuitBreaker taken = cluster.tryOpen(destination(1), false);

    // The cluster drops max_connections: new connections count nothing, the old one still does.
    CircuitBreaker unlimited = CircuitBreaker.of(0, 0, 5, 0, counters);
    cluster.inForce(unlimited);
    CircuitBreaker free = cluster.tryOpen(destination(1), false);
    assertThat(free).isSameAs(unlimited);
    assertThat(counters.openConnections()).isOne();

    cluster.closed(free, executor);
    assertThat(counters.openConnections()).isOne();
    cluster.closed(taken, executor);
    assertThat(counters.openConnections()).isZero();
  }
}
