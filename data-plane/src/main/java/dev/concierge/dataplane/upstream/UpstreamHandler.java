package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.BodyFraming;
import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.Grpc;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.chain.RouteScopedHandler;
import dev.concierge.dataplane.cluster.CircuitBreaker;
import dev.concierge.dataplane.cluster.ClusterSplit;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.EndpointMeter;
import dev.concierge.dataplane.cluster.OutlierDetector;
import dev.concierge.dataplane.cluster.RequestHash;
import dev.concierge.dataplane.cluster.RetryLimiter;
import dev.concierge.dataplane.cluster.UpstreamProtocol;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.LifeCycle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request path, last stage: decides, the {@link UpstreamTransport} carries. For the route's {@link
 * ForwardPolicy} it picks the cluster (weighted split, sticky by cookie or header when the route
 * says, the split's Set-Cookie put on the response before each try) and the endpoint (the cluster's
 * balancer over node-lifetime endpoint state), hands the try to the transport, and when a try fails
 * before any response byte reached the client, decides what follows:
 *
 * <ul>
 *   <li>another try, at most {@link ForwardPolicy#maxAttempts()} in all, when the route's {@link
 *       RouteRetryPolicy} lists the failure (by default: nothing sent, any method; a reset,
 *       idempotent methods), the route's timeout (which bounds all tries together) has not passed,
 *       a body already read can be replayed ({@link Request#rewind()}), and the cluster's retry
 *       budget ({@link RetryLimiter}) has a place (a try that sent nothing, or met a reset on a
 *       pooled connection, needs none); after the policy's backoff, on the server's scheduler; on
 *       an endpoint not tried yet when there is one (the same one only on a fresh connection, or
 *       after it answered a listed status or outlasted the per-try timeout);
 *   <li>a response head whose status the policy lists is dropped by the transport for another try
 *       on the same terms ({@link UpstreamTry#retryOnStatus});
 *   <li>else the error answer: 502 {@code upstream connection refused|reset}, 502 {@code upstream
 *       error}, 503 {@code upstream host not resolved}, 504 {@code upstream timed out} (to a gRPC
 *       call: {@link ErrorAnswers}' gRPC form).
 * </ul>
 *
 * <p>The time allowed is the route's timeout, or a gRPC call's {@code grpc-timeout} when shorter. A
 * gRPC call whose cluster speaks HTTP/1.1 is answered INTERNAL at once: that protocol has no
 * trailers for its status.
 *
 * <p>The balancer's seed is made once per request by the cluster's {@link RequestHash} (nothing for
 * round robin over one level) and passed again on retries. Every try's end feeds the cluster's
 * {@link OutlierDetector}: refused, connect timeout and a reset on a fresh connection as connection
 * failures, a timeout or malformed answer as a gateway failure, an answer by its status.
 *
 * <p>The cluster's {@link CircuitBreaker} bounds its requests and retries in flight (and, in the
 * transport, its connections and the requests waiting for one): a request over a limit is answered
 * 503 at once with {@value #OVERFLOW_HEADER} naming the limit; a retry over max_retries is not
 * made.
 *
 * <p>Always completes the callback, itself or through the transport: 503 {@code no endpoint
 * available} when the cluster has none. A response cut after its head was committed fails the
 * callback, which aborts the client connection. Non-blocking.
 */
public final class UpstreamHandler extends RouteScopedHandler {
  private static final Logger LOG = LoggerFactory.getLogger(UpstreamHandler.class);

  /** The header of an answer over a circuit-breaker limit; its value is the limit's name. */
  public static final String OVERFLOW_HEADER = "x-concierge-overflow";

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
    ClusterSplit.Placement placement = forward.split().place(request, random.get());
    CompiledCluster cluster = placement.cluster();
    context.cluster(cluster.name(), cluster.meter());
    if (cluster.protocol() == UpstreamProtocol.HTTP1 && Grpc.isCall(request)) {
      // HTTP/1.1 cannot carry a call's trailers (grpc-status): say so rather than send it to fail.
      ErrorAnswers.write(
          request,
          response,
          callback,
          HttpStatus.INTERNAL_SERVER_ERROR_500,
          "route's cluster speaks HTTP/1.1; gRPC needs a cluster with protocol HTTP2");
      return true;
    }
    RequestHash requestHash = cluster.requestHash();
    // Round robin over one level takes nothing from the request: no hash, no draw.
    long seed = requestHash.isNone() ? 0 : requestHash.seed(request, random.get());
    Endpoint endpoint = cluster.balancer().pick(seed, null, 0);
    if (endpoint == null) {
      ErrorAnswers.write(
          request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "no endpoint available");
      return true;
    }
    if (!cluster.breaker().tryStartRequest()) {
      overflow(context, request, response, callback, cluster, CircuitBreaker.MAX_REQUESTS);
      return true;
    }
    new Call(context, request, response, callback, forward, cluster, seed, placement.setCookie())
        .start(endpoint);
    return true;
  }

  /**
   * Answers a request over a circuit-breaker limit at once: 503, a plain-text reason and {@value
   * #OVERFLOW_HEADER} naming the limit; counted on the cluster.
   */
  private static void overflow(
      RequestContext context,
      Request request,
      Response response,
      Callback callback,
      CompiledCluster cluster,
      String limit) {
    context.circuitBreakerOverflow();
    response.getHeaders().put(OVERFLOW_HEADER, limit);
    ErrorAnswers.write(
        request,
        response,
        callback,
        HttpStatus.SERVICE_UNAVAILABLE_503,
        "circuit breaker: " + limit + " of " + cluster.name() + " reached");
  }

  /** The limit a transport's overflow names. */
  private static String overflowLimit(Throwable cause) {
    return cause instanceof CircuitBreakerOverflowException overflow
        ? overflow.limit()
        : CircuitBreaker.MAX_PENDING_REQUESTS;
  }

  /** The route's timeout, capped by a gRPC call's own deadline (HTTP/1.1 pays one field read). */
  private static long effectiveTimeoutMillis(Request request, long routeMillis) {
    if (!BodyFraming.isMultiplexed(request)) {
      return routeMillis;
    }
    long callMillis = Grpc.timeoutMillis(request);
    return callMillis > 0 && callMillis < routeMillis ? callMillis : routeMillis;
  }

  /** One request's tries; the transport sees it as the current {@link UpstreamTry}. */
  private final class Call implements UpstreamTry, Runnable {
    private final RequestContext context;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final ForwardPolicy forward;
    private final CompiledCluster cluster;
    private final long seed;
    // The split's Set-Cookie keeping the client on the cluster, put on the response before each
    // try: both transports add the upstream head's fields to it, and a failed try's reset drops it.
    private final @Nullable HttpField stickyCookie;
    private final RouteRetryPolicy retry;
    private final RetryLimiter budget;
    private final CircuitBreaker breaker;
    private final long deadlineNanos;
    private final long idleTimeoutMillis;
    private Endpoint @Nullable [] tried;
    private int tries;
    private @Nullable Endpoint endpoint;
    private boolean fresh;
    private long tryStartNanos;
    private long tryTimeoutMillis;
    // Whether the try's time is the per-try timeout rather than the route's time left.
    private boolean perTryLimited;
    // A place in the cluster's retry budget taken for the next try, and held by the current one.
    private boolean placeTaken;
    private boolean placeHeld;
    // The same for the circuit breaker's max_retries, which every retry needs.
    private boolean retryTaken;
    private boolean retryHeld;
    private int droppedStatus;
    private boolean ended;

    Call(
        RequestContext context,
        Request request,
        Response response,
        Callback callback,
        ForwardPolicy forward,
        CompiledCluster cluster,
        long seed,
        @Nullable HttpField stickyCookie) {
      this.context = context;
      this.stickyCookie = stickyCookie;
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.forward = forward;
      this.cluster = cluster;
      this.seed = seed;
      this.retry = forward.retry();
      this.budget = cluster.retryBudget();
      this.breaker = cluster.breaker();
      this.deadlineNanos =
          System.nanoTime()
              + TimeUnit.MILLISECONDS.toNanos(
                  effectiveTimeoutMillis(request, Math.max(1, forward.timeout().toMillis())));
      this.idleTimeoutMillis = forward.idleTimeout().toMillis();
    }

    void start(Endpoint first) {
      budget.requestStarted();
      endpoint = first;
      tries = 1;
      send();
    }

    /** Starts the current try, with the per-try timeout or the route's time left. */
    private void send() {
      long now = System.nanoTime();
      long left = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - now);
      long perTry = retry.perTryTimeoutMillis();
      perTryLimited = perTry > 0 && perTry < left;
      tryTimeoutMillis = Math.max(1, perTryLimited ? perTry : left);
      tryStartNanos = now;
      placeHeld = placeTaken;
      placeTaken = false;
      retryHeld = retryTaken;
      retryTaken = false;
      Endpoint target = endpoint();
      target.state().tryStarted();
      context.upstreamStarted(target);
      if (stickyCookie != null) {
        response.getHeaders().add(stickyCookie);
      }
      transport.send(this);
    }

    /** The backoff before a retry ended. */
    @Override
    public void run() {
      if (System.nanoTime() - deadlineNanos >= 0) {
        placeHeld = placeTaken;
        placeTaken = false;
        retryHeld = retryTaken;
        retryTaken = false;
        endTry();
        answer(UpstreamOutcome.TIMEOUT);
        return;
      }
      send();
    }

    @Override
    public boolean retryOnStatus(int status) {
      if (!retry.retriesStatuses()
          || !takePlace(retry.retriesOnStatus(status, request.getMethod()), true)) {
        return false;
      }
      droppedStatus = status;
      return true;
    }

    @Override
    public void failed(
        UpstreamOutcome outcome, Throwable cause, boolean reusedConnection, boolean bodyTouched) {
      Endpoint failedAt = endpoint();
      failedAt.state().tryEnded();
      meter(failedAt.state().meter(), outcome, context.upstreamEnded());
      judge(failedAt, outcome, reusedConnection);
      endTry();
      if (outcome == UpstreamOutcome.OVERFLOW) {
        // The transport's breaker refused the try (max_pending_requests): nothing was sent.
        releasePlace();
        end();
        context.resetResponse();
        overflow(context, request, response, callback, cluster, overflowLimit(cause));
        return;
      }
      if (outcome != UpstreamOutcome.STATUS) {
        context.upstreamFailure();
      }
      if (outcome == UpstreamOutcome.HANDSHAKE) {
        // A configuration problem (trust, names) rather than load: the operator needs the reason.
        LOG.warn(
            "TLS handshake with {} of {} failed: {}",
            failedAt,
            cluster.name(),
            UpstreamFailures.handshakeReason(cause));
      }
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
        releasePlace();
        end();
        callback.failed(cause); // cannot happen by contract; never write over a relayed head
        return;
      }
      context.resetResponse();
      boolean perTryExpired =
          outcome == UpstreamOutcome.TIMEOUT
              && perTryLimited
              && System.nanoTime() - tryStartNanos
                  >= TimeUnit.MILLISECONDS.toNanos(tryTimeoutMillis);
      Endpoint next =
          mayRetry(outcome, perTryExpired, bodyTouched, reusedConnection) ? next(failedAt) : null;
      // The same endpoint again (no other left) only when the failure was a pooled connection's,
      // which says nothing of the endpoint (the retry then opens a fresh one), or when the
      // endpoint answered (a status, a slow try): its next answer may differ.
      boolean sameAllowed = reusedConnection || outcome == UpstreamOutcome.STATUS || perTryExpired;
      if (next == null || (next.equals(failedAt) && !sameAllowed)) {
        releasePlace();
        answer(outcome);
        return;
      }
      long backoff = retry.backoffNanos(tries, random.get());
      if (backoff > 0 && backoff >= deadlineNanos - System.nanoTime()) {
        releasePlace(); // the wait alone would outlast the route's timeout
        answer(outcome);
        return;
      }
      fresh = next.equals(failedAt) && reusedConnection;
      tries++;
      context.retried();
      next.state().meter().retried();
      endpoint = next;
      Server server = getServer();
      if (backoff > 0 && server != null) {
        server.getScheduler().schedule(this, backoff, TimeUnit.NANOSECONDS);
      } else {
        send();
      }
    }

    /**
     * Feeds outlier detection with how a try failed. A pooled connection's reset says nothing of
     * the endpoint (it may only be a stale connection), nor does the node's own breaker refusing.
     */
    private void judge(Endpoint failedAt, UpstreamOutcome outcome, boolean reusedConnection) {
      OutlierDetector outliers = cluster.outliers();
      switch (outcome) {
        case REFUSED, CONNECT_TIMEOUT, UNRESOLVED, HANDSHAKE -> outliers.connectFailed(failedAt);
        case RESET -> {
          if (!reusedConnection) {
            outliers.connectFailed(failedAt);
          }
        }
        case TIMEOUT, ERROR -> outliers.gatewayFailed(failedAt);
        case STATUS -> outliers.answered(failedAt, droppedStatus);
        case OVERFLOW -> {}
      }
    }

    /** Counts a failed try on its endpoint's meter. */
    private void meter(EndpointMeter meter, UpstreamOutcome outcome, long nanos) {
      if (outcome == UpstreamOutcome.OVERFLOW) {
        return; // the node's own breaker: nothing was tried
      }
      meter.tryEnded(nanos);
      switch (outcome) {
        case REFUSED, CONNECT_TIMEOUT, UNRESOLVED, HANDSHAKE -> meter.connectFailed();
        case RESET -> meter.reset();
        case TIMEOUT -> meter.timedOut();
        default -> {}
      }
    }

    /** Whether the failed try may be made again; takes a budget place when so. */
    private boolean mayRetry(
        UpstreamOutcome outcome, boolean perTryExpired, boolean bodyTouched, boolean reused) {
      // A pooled connection found closed (every pooled connection of a killed backend) is the
      // stale-connection retry any HTTP client makes, not load an overloaded upstream answered.
      boolean budgeted = !outcome.nothingSent() && !(outcome == UpstreamOutcome.RESET && reused);
      boolean placed =
          outcome == UpstreamOutcome.STATUS
              ? placeTaken // by contract only after retryOnStatus said yes
              : takePlace(retry.retriesOn(outcome, perTryExpired, request.getMethod()), budgeted);
      return placed && (!bodyTouched || request.rewind());
    }

    /**
     * Whether a retry the policy lists may be made: attempts and the route's time are left, and,
     * when {@code budgeted}, the cluster's retry budget has a place (taken then; a refusal is
     * counted). The budget bounds the load retries add to upstreams, so a try that sent nothing
     * (refused, connect timeout, unresolved) or met a reset on a pooled connection is retried
     * outside it: a backend dying under many clients fails over at once, as nginx's
     * proxy_next_upstream does.
     */
    private boolean takePlace(boolean listed, boolean budgeted) {
      if (!listed || tries >= forward.maxAttempts() || System.nanoTime() - deadlineNanos >= 0) {
        return false;
      }
      if (budgeted) {
        if (!budget.tryAcquireRetry()) {
          context.retryBudgetExhausted();
          return false;
        }
        placeTaken = true;
      }
      // Every retry counts against max_retries, budgeted or not: it is a hard bound.
      if (!breaker.tryAcquireRetry()) {
        context.circuitBreakerOverflow();
        releasePlace();
        return false;
      }
      retryTaken = true;
      return true;
    }

    private @Nullable Endpoint next(Endpoint failedAt) {
      if (tried == null) {
        tried = new Endpoint[forward.maxAttempts()];
      }
      tried[tries - 1] = failedAt;
      return cluster.balancer().pick(seed, tried, tries);
    }

    /** The current try ended: its budget place, if it was a retry, goes back. */
    private void endTry() {
      if (placeHeld) {
        placeHeld = false;
        budget.retryEnded();
      }
      if (retryHeld) {
        retryHeld = false;
        breaker.retryEnded();
      }
    }

    /** A place taken for a retry that will not be made goes back. */
    private void releasePlace() {
      if (placeTaken) {
        placeTaken = false;
        budget.retryEnded();
      }
      if (retryTaken) {
        retryTaken = false;
        breaker.retryEnded();
      }
    }

    /** The request is over for the cluster's budget: once. */
    private void end() {
      if (!ended) {
        ended = true;
        budget.requestEnded();
        breaker.requestEnded();
      }
    }

    private void answer(UpstreamOutcome outcome) {
      end();
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
        case HANDSHAKE ->
            ErrorAnswers.write(
                request,
                response,
                callback,
                HttpStatus.BAD_GATEWAY_502,
                "upstream TLS handshake failed");
        case UNRESOLVED ->
            ErrorAnswers.write(
                request,
                response,
                callback,
                HttpStatus.SERVICE_UNAVAILABLE_503,
                "upstream host not resolved");
        case RESET ->
            ErrorAnswers.write(
                request,
                response,
                callback,
                HttpStatus.BAD_GATEWAY_502,
                "upstream connection reset");
        case STATUS ->
            // The dropped answer could not be followed by another try after all.
            ErrorAnswers.write(
                request, response, callback, droppedStatus, "upstream answered " + droppedStatus);
        default ->
            ErrorAnswers.write(
                request, response, callback, HttpStatus.BAD_GATEWAY_502, "upstream error");
      }
    }

    @Override
    public void completed(@Nullable Throwable failure) {
      Endpoint answered = endpoint();
      answered.state().tryEnded();
      answered.state().meter().tryEnded(context.upstreamEnded());
      cluster.outliers().answered(answered, response.getStatus());
      endTry();
      end();
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
    public RequestContext context() {
      return context;
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
      return tryTimeoutMillis;
    }

    @Override
    public long idleTimeoutMillis() {
      return idleTimeoutMillis;
    }

    @Override
    public boolean freshConnection() {
      return fresh;
    }
  }
}
