package dev.concierge.dataplane;

import dev.concierge.dataplane.admission.AdmissionPolicy;
import dev.concierge.dataplane.admission.RequestBodyBufferingHandler;
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
 * graceful shutdown → {@link RoutingHandler} → {@link RequestBodyBufferingHandler} →
 * {@link UpstreamHandler} → {@link UpstreamTransport}.
 * New stages go here, between routing and upstream, in the table's order.
 */
public final class HandlerChain {
  private HandlerChain() {}

  /** The handler tree for the proxy port. */
  public static Handler of(RuntimeHolder runtimes, UpstreamTransport transport, TrafficStats stats) {
    return of(runtimes, transport, stats, AdmissionPolicy.defaults());
  }

  /** As {@link #of(RuntimeHolder, UpstreamTransport, TrafficStats)} with a chosen admission policy. */
  public static Handler of(
      RuntimeHolder runtimes, UpstreamTransport transport, TrafficStats stats, AdmissionPolicy admission) {
    return of(runtimes, transport, stats, admission, ThreadLocalRandom::current);
  }

  /** As {@link #of(RuntimeHolder, UpstreamTransport, TrafficStats)} with a chosen random source. */
  public static Handler of(
      RuntimeHolder runtimes,
      UpstreamTransport transport,
      TrafficStats stats,
      Supplier<RandomGenerator> random) {
    return of(runtimes, transport, stats, AdmissionPolicy.defaults(), random);
  }

  /** The handler tree with a chosen admission policy and random source. */
  public static Handler of(
      RuntimeHolder runtimes,
      UpstreamTransport transport,
      TrafficStats stats,
      AdmissionPolicy admission,
      Supplier<RandomGenerator> random) {
    UpstreamHandler upstream = new UpstreamHandler(transport, stats, random);
    // Stage 2: the whole body is read before an upstream connection is taken.
    RequestBodyBufferingHandler buffering = new RequestBodyBufferingHandler(admission, upstream);
    RoutingHandler routing = new RoutingHandler(runtimes, buffering);
    // Lets close() wait for in-flight requests while refusing new ones.
    return new GracefulHandler(routing);
  }
}
