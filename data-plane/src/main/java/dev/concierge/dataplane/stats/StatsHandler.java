package dev.concierge.dataplane.stats;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.RequestContext;
import java.util.function.LongSupplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Request path, outermost stage: starts each request's {@link RequestContext}, which counts the
 * answer when the request completes, whatever stage gave it (404, 413, 503 and the proxied ones
 * alike): on the chosen route's and cluster's meters, or on {@link TrafficStats#unrouted()}. Never
 * answers itself; non-blocking.
 */
public final class StatsHandler extends Handler.Wrapper {
  private final TrafficStats stats;
  private final LongSupplier nanoTime;

  /**
   * @param nanoTime the clock of latencies, {@code System::nanoTime} outside tests
   */
  public StatsHandler(TrafficStats stats, LongSupplier nanoTime, Handler next) {
    super(next);
    this.stats = requireNonNull(stats, "stats");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    RequestContext context =
        new RequestContext(
            request, response, callback, stats.unrouted(), stats.inFlightAdder(), nanoTime);
    boolean taken;
    try {
      taken = super.handle(context, response, context);
    } catch (Throwable failure) {
      // Jetty fails the original callback, not the context: the request is no longer in flight.
      context.abandoned();
      throw failure;
    }
    if (!taken) {
      // Nothing below took it (no handler): Jetty answers 404 itself, uncounted by the context.
      context.abandoned();
    }
    return taken;
  }

  @Override
  public InvocationType getInvocationType() {
    return InvocationType.NON_BLOCKING;
  }
}
