package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.EndpointState;
import dev.concierge.dataplane.cluster.RequestHash;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.LifeCycle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request path, last stage: decides, the {@link UpstreamTransport} carries. For the route's {@link
 * ForwardPolicy} it picks the cluster (weighted split) and the endpoint (the cluster's balancer
 * over node-lifetime endpoint state), hands the try to the transport, and when a try fails before
 * any response byte reached the client, decides what follows:
 *
 * <ul>
 *   <li>another try, at most {@link ForwardPolicy#maxAttempts()} in all, on an endpoint not tried
 *       yet when there is one (the same one only on a fresh connection): for any method when
 *       nothing was sent (refused, connect timeout), for idempotent methods after a reset; never
 *       after a route timeout, and never when a body already read cannot be replayed ({@link
 *       Request#rewind()}: a streamed body);
 *   <li>else the error answer: 502 {@code upstream connection refused|reset}, 502 {@code upstream
 *       error}, 504 {@code upstream timed out}.
 * </ul>
 *
 * <p>The balancer's seed is made once per request by the cluster's {@link RequestHash} (nothing for
 * round robin over one level) and passed again on retries. Every try's end feeds passive failure
 * tracking: refused, connect timeout and a reset on a fresh connection count against the endpoint
 * ({@link EndpointState#connectionFailed()}), a relayed response clears the count.
 *
 * <p>Always completes the callback, itself or through the transport: 503 {@code no endpoint
 * available} when the cluster has none. A response cut after its head was committed fails the
 * callback, which aborts the client connection. Non-blocking.
 */
public final class UpstreamHandler extends RouteScopedHandler {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamHandler.class);

  private final UpstreamTransport transport;
  private final Supplier<RandomGenerator> random;

  /**
   * @param transport carries the tries; managed with this handler if it is a {@link LifeCycle}
   * @param random source for the weighted split and balancer draws; per call so a thread-local
   *     generator works
   */
  public UpstreamHandler(UpstreamTransport transport, Supplier<RandomGenerator> random) {
    super(null);
    this.transport = requireNonNull(transport, "transport");
    this.random = requireNonNull(random, "random");
    if (transport instanceof LifeCycle) {
      addBean(transport, true);
    }
  }

  @Override
  protected boolean handle(
      RequestContext context, Request request, Response response, Callback callback) {
    ForwardPolicy forward = context.policies().get(ForwardPolicy.KEY);
    if (forward.split() == null) {
      ErrorAnswers.write(
          request,
          response,
          callback,
          HttpStatus.SERVICE_UNAVAILABLE_503,
          "route forwards nowhere");
      return true;
    }
    CompiledCluster cluster = forward.split().pick(random.get());
    context.cluster(cluster.meter());
    RequestHash requestHash = cluster.requestHash();
    // Round robin over one level takes nothing from the request: no hash, no draw.
    long seed = requestHash.isNone() ? 0 : requestHash.seed(request, random.get());
    Endpoint endpoint = cluster.balancer().pick(seed, null, 0);
    if (endpoint == null) {
      ErrorAnswers.write(
          request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "no endpoint available");
      return true;
    }
    new Call(context, request, response, callback, forward, cluster, seed).start(endpoint);
    return true;
  }

  private static boolean isIdempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "PUT", "DELETE" -> true;
      default -> false;
    };
  }

  /** One request's tries; the transport sees it as the current {@link UpstreamTry}. */
  private final class Call implements UpstreamTry {
    private final RequestContext context;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final ForwardPolicy forward;
    private final CompiledCluster cluster;
    private final long timeoutMillis;
    private final long seed;
    private Endpoint @Nullable [] tried;
    private int tries;
    private @Nullable Endpoint endpoint;
    private boolean fresh;

    Call(
        RequestContext context,
        Request request,
        Response response,
        Callback callback,
        ForwardPolicy forward,
        CompiledCluster cluster,
        long seed) {
      this.context = context;
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.forward = forward;
      this.cluster = cluster;
      this.timeoutMillis = Math.max(1, forward.timeout().toMillis());
      this.seed = seed;
    }

    void start(Endpoint first) {
      endpoint = first;
      tries = 1;
      first.state().tryStarted();
      transport.send(this);
    }

    @Override
    public void failed(
        UpstreamOutcome outcome, Throwable cause, boolean reusedConnection, boolean bodyTouched) {
      Endpoint failedAt = endpoint();
      failedAt.state().tryEnded();
      // Passive failure tracking counts what says the endpoint does not take connections; a
      // pooled connection's reset may only be a stale connection.
      if (outcome.nothingSent() || (outcome == UpstreamOutcome.RESET && !reusedConnection)) {
        failedAt.state().connectionFailed();
      }
      context.upstreamFailure();
      if (LOG.isDebugEnabled()) {
        LOG.debug(
            "try {} of {} to {} failed: {} {}",
            tries,
            context.routeName(),
            failedAt,
            outcome,
            String.valueOf(cause));
      }
      if (response.isCommitted()) {
        callback.failed(cause); // cannot happen by contract; never write over a relayed head
        return;
      }
      response.reset();
      if (mayRetry(outcome, bodyTouched)) {
        if (tried == null) {
          tried = new Endpoint[forward.maxAttempts()];
        }
        tried[tries - 1] = failedAt;
        // Not null: this cluster has served a try, so it has endpoints.
        Endpoint next = requireNonNull(cluster.balancer().pick(seed, tried, tries), "next");
        // The same endpoint again (no other left) only when the failure was a pooled connection's,
        // which says nothing of the endpoint: the retry then opens a fresh one.
        fresh = next.equals(failedAt) && reusedConnection;
        if (!next.equals(failedAt) || reusedConnection) {
          tries++;
          context.retried();
          endpoint = next;
          next.state().tryStarted();
          transport.send(this);
          return;
        }
      }
      answer(outcome);
    }

    private boolean mayRetry(UpstreamOutcome outcome, boolean bodyTouched) {
      if (tries >= forward.maxAttempts()) {
        return false;
      }
      boolean safe =
          outcome.nothingSent()
              || (outcome == UpstreamOutcome.RESET && isIdempotent(request.getMethod()));
      if (!safe) {
        return false;
      }
      return !bodyTouched || request.rewind();
    }

    private void answer(UpstreamOutcome outcome) {
      switch (outcome) {
        case TIMEOUT, CONNECT_TIMEOUT ->
            ErrorAnswers.write(
                request, response, callback, HttpStatus.GATEWAY_TIMEOUT_504, "upstream timed out");
        case REFUSED ->
            ErrorAnswers.write(
                request,
                response,
                callback,
                HttpStatus.BAD_GATEWAY_502,
                "upstream connection refused");
        case RESET ->
            ErrorAnswers.write(
                request,
                response,
                callback,
                HttpStatus.BAD_GATEWAY_502,
                "upstream connection reset");
        default ->
            ErrorAnswers.write(
                request, response, callback, HttpStatus.BAD_GATEWAY_502, "upstream error");
      }
    }

    @Override
    public void completed(@Nullable Throwable failure) {
      EndpointState state = endpoint().state();
      state.tryEnded();
      state.responded(); // a response head came: the endpoint takes connections
      if (failure == null) {
        callback.succeeded();
      } else {
        callback.failed(failure);
      }
    }

    @Override
    public Request request() {
      return request;
    }

    @Override
    public Response response() {
      return response;
    }

    @Override
    public CompiledCluster cluster() {
      return cluster;
    }

    @Override
    public Endpoint endpoint() {
      return requireNonNull(endpoint, "set by start()");
    }

    @Override
    public RequestRewrite rewrite() {
      return forward.rewrite();
    }

    @Override
    public long timeoutMillis() {
      return timeoutMillis;
    }

    @Override
    public boolean freshConnection() {
      return fresh;
    }
  }
}
