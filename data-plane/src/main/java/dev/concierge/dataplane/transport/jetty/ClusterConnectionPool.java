package dev.concierge.dataplane.transport.jetty;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.CircuitBreaker;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.client.Connection;
import org.eclipse.jetty.client.ConnectionPool;
import org.eclipse.jetty.client.Destination;
import org.eclipse.jetty.client.MultiplexConnectionPool;
import org.eclipse.jetty.client.transport.HttpDestination;
import org.eclipse.jetty.util.ConcurrentPool;
import org.eclipse.jetty.util.Pool;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP/2 pool of one destination of a cluster that sets max_connections: Jetty's multiplexing
 * pool, whose every new connection first takes a place of the cluster's {@link ClusterConnections}
 * and gives it back when its pool entry goes (the connection closed, or its opening failed). A
 * request finding no connection nor stream and no place stays queued in the destination: pending,
 * until a stream or place frees.
 */
final class ClusterConnectionPool extends MultiplexConnectionPool {
  private ClusterConnectionPool(Destination destination, Pool.Factory<Connection> poolFactory) {
    super(destination, poolFactory, 1);
  }

  /**
   * Pools for {@code client}'s HTTP/2 destinations: this one for those tagged with {@link
   * ClusterConnections}, Jetty's default multiplexing pool for the others.
   */
  static ConnectionPool.Factory factory() {
    return destination -> {
      int max = destination.getHttpClient().getMaxConnectionsPerDestination();
      if (!(destination.getOrigin().getTag() instanceof ClusterConnections cluster)) {
        return new MultiplexConnectionPool(destination, max, 1);
      }
      HttpDestination httpDestination = (HttpDestination) destination;
      Executor executor = destination.getHttpClient().getExecutor();
      return new ClusterConnectionPool(
          destination,
          new Pool.Factory<>() {
            @Override
            public Pool<Connection> newPool() {
              return new ConcurrentPool<>(
                  ConcurrentPool.StrategyType.FIRST, max, newMaxMultiplexer(1));
            }

            @Override
            public Pool<Connection> wrap(Pool<Connection> pool) {
              return new PlacePool(pool, cluster, httpDestination, executor);
            }
          });
    };
  }

  /** Reserves an entry only with a place of the cluster. */
  private static final class PlacePool extends Pool.Wrapper<Connection> {
    private final ClusterConnections cluster;
    private final HttpDestination destination;
    private final Executor executor;

    PlacePool(
        Pool<Connection> pool,
        ClusterConnections cluster,
        HttpDestination destination,
        Executor executor) {
      super(pool);
      this.cluster = requireNonNull(cluster, "cluster");
      this.destination = requireNonNull(destination, "destination");
      this.executor = requireNonNull(executor, "executor");
    }

    @Override
    public Pool.@Nullable Entry<Connection> reserve() {
      CircuitBreaker taken = cluster.tryOpen(destination, getWrapped().size() == 0);
      if (taken == null) {
        return null; // as if this pool were full: the request stays queued
      }
      Pool.Entry<Connection> entry = super.reserve();
      if (entry == null) {
        cluster.closed(taken, executor);
        return null;
      }
      return new PlaceEntry(entry, taken);
    }

    /** An entry holding a place, given back once when it is removed. */
    private final class PlaceEntry extends Pool.Entry.Wrapper<Connection> {
      private final CircuitBreaker taken;
      private final AtomicBoolean held = new AtomicBoolean(true);

      PlaceEntry(Pool.Entry<Connection> entry, CircuitBreaker taken) {
        super(entry);
        this.taken = taken;
      }

      @Override
      public boolean remove() {
        boolean removed = super.remove();
        // Removed or already terminated (the client stopping): either way this connection is gone.
        if ((removed || isTerminated()) && held.compareAndSet(true, false)) {
          cluster.closed(taken, executor);
        }
        return removed;
      }
    }
  }
}
