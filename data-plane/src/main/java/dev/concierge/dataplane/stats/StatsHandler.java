package dev.concierge.dataplane.stats;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RequestLog;
import dev.concierge.dataplane.trace.TraceSampler;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
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
  private final RequestLog log;
  private final Supplier<RandomGenerator> random;
  private final TraceSampler sampler;

  /**
   * A stage that logs nothing.
   *
   * @param nanoTime the clock of latencies, {@code System::nanoTime} outside tests
   */
  public StatsHandler(TrafficStats stats, LongSupplier nanoTime, Handler next) {
    this(
        stats, nanoTime, RequestLog.none(), ThreadLocalRandom::current, TraceSampler.never(), next);
  }

  /**
   * @param nanoTime the clock of latencies, {@code System::nanoTime} outside tests
   * @param log told of every request the chain completed (the access log)
   * @param random draws the trace and span ids of the requests' contexts
   * @param sampler decides whether a trace a request starts is sampled
   */
  public StatsHandler(
      TrafficStats stats,
      LongSupplier nanoTime,
      RequestLog log,
      Supplier<RandomGenerator> random,
      TraceSampler sampler,
      Handler next) {
    super(next);
    this.stats = requireNonNull(stats, "stats");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.log = requireNonNull(log, "log");
    this.random = requireNonNull(random, "random");
    this.sampler = requireNonNull(sampler, "sampler");
  }

  /**
   * A new context of {@code request}, counting on this stage's meters and telling its log when it
   * completes: the chain's own, and the node error handler's for a request Jetty rejected before
   * the chain (a malformed request line, a header block too large).
   */
  public RequestContext start(Request request, Response response, Callback callback) {
    return new RequestContext(
        request,
        response,
        callback,
        stats.unrouted(),
        stats.inFlightAdder(),
        nanoTime,
        log,
        random,
        sampler);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    RequestContext context = start(request, response, callback);
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
