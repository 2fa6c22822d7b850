package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.PlainText;
import dev.concierge.dataplane.routing.RouteMatch;
import dev.concierge.dataplane.stats.TrafficStats;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Request path, last stage: picks the cluster (weighted split) and the endpoint (balancer) for the
 * matched route, counts the request, and hands the exchange to the {@link UpstreamTransport}.
 *
 * <p>Always completes the callback (itself or through the transport). Writes 503 {@code no
 * endpoint available} when the balancer has nothing, and 404 {@code no route} if routing did not
 * run. Non-blocking.
 */
public final class UpstreamHandler extends Handler.Abstract.NonBlocking {
  private final UpstreamTransport transport;
  private final TrafficStats stats;
  private final Supplier<RandomGenerator> random;

  /**
   * @param transport carries the exchange; managed with this handler if it is a {@link LifeCycle}
   * @param random source for the weighted split; per call so a thread-local generator works
   */
  public UpstreamHandler(
      UpstreamTransport transport, TrafficStats stats, Supplier<RandomGenerator> random) {
    this.transport = requireNonNull(transport, "transport");
    this.stats = requireNonNull(stats, "stats");
    this.random = requireNonNull(random, "random");
    if (transport instanceof LifeCycle) {
      addBean(transport, true);
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    RouteMatch match = RouteMatch.of(request);
    if (match == null) {
      PlainText.write(response, callback, HttpStatus.NOT_FOUND_404, "no route\n");
      return true;
    }
    String route = match.route().name();
    CompiledCluster cluster = match.route().split().pick(random.get());
    Endpoint endpoint = cluster.balancer().pick();
    Callback counted = new Callback.Nested(callback) {
      @Override
      public void succeeded() {
        stats.recordResponse(route, cluster.name(), response.getStatus());
        super.succeeded();
      }

      @Override
      public void failed(Throwable failure) {
        stats.recordResponse(route, cluster.name(), response.getStatus());
        super.failed(failure);
      }
    };
    if (endpoint == null) {
      PlainText.write(
          response, counted, HttpStatus.SERVICE_UNAVAILABLE_503, "no endpoint available\n");
      return true;
    }
    UpstreamTarget target = new UpstreamTarget(cluster, endpoint, match.route().timeout(),
        outcome -> {
          if (outcome.isFailure()) {
            stats.recordUpstreamFailure(route, cluster.name());
          }
        });
    transport.forward(target, request, response, counted);
    return true;
  }
}
