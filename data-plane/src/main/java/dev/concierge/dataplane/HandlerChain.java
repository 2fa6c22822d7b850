package dev.concierge.dataplane;

import dev.concierge.dataplane.routing.RoutingHandler;
import dev.concierge.dataplane.runtime.RuntimeHolder;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.upstream.UpstreamHandler;
import dev.concierge.dataplane.upstream.UpstreamTransport;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.handler.GracefulHandler;

/**
 * The request path in order, in one place (DESIGN.md "The request path"):
 * graceful shutdown → {@link RoutingHandler} → {@link UpstreamHandler} → {@link UpstreamTransport}.
 * New stages go here, between routing and upstream, in the table's order.
 */
public final class HandlerChain {
  private HandlerChain() {}

  /** The handler tree for the proxy port. */
  public static Handler of(RuntimeHolder runtimes, UpstreamTransport transport, TrafficStats stats) {
    return of(runtimes, transport, stats, ThreadLocalRandom::current);
  }

  /** As {@link #of(RuntimeHolder, UpstreamTransport, TrafficStats)} with a chosen random source. */
  public static Handler of(
      RuntimeHolder runtimes,
      UpstreamTransport transport,
      TrafficStats stats,
      Supplier<RandomGenerator> random) {
    UpstreamHandler upstream = new UpstreamHandler(transport, stats, random);
    RoutingHandler routing = new RoutingHandler(runtimes, upstream);
    // Lets close() wait for in-flight requests while refusing new ones.
    return new GracefulHandler(routing);
  }
}
