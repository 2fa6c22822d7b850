package dev.concierge.dataplane.chain;

import static java.util.Objects.requireNonNull;

import java.util.function.LongSupplier;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * One request's state from the outermost stage to the last: when it started, the route routing
 * chose (its name, policies and meter), the cluster meter, retries, and the request id. It is the
 * request the stages see (found with {@link #of}) and the callback they complete: its completion
 * counts the answer once, on the route's and cluster's meters or on the unrouted one.
 *
 * <p>Written by one stage at a time as the request moves down the chain (each hand-off between
 * threads is a happens-before edge of Jetty's or the JDK's queues); completed exactly once.
 */
public final class RequestContext extends Request.Wrapper implements Callback {
  /**
   * Set on a request whose failure this context already counted: Jetty then answers it through its
   * error handler, which must not count it again.
   */
  public static final String COUNTED = RequestContext.class.getName() + ".counted";

  private final Response response;
  private final Callback callback;
  private final Meter unrouted;
  private final LongSupplier nanoTime;
  private final long startNanos;
  private @Nullable String routeName;
  private PolicySet policies = PolicySet.empty();
  private @Nullable Meter routeMeter;
  private Meter clusterMeter = Meter.none();
  private int retries;
  private @Nullable String requestId;

  /**
   * @param unrouted counts the answer when no route was chosen
   * @param nanoTime the clock of latencies; read now for the start and at completion
   */
  public RequestContext(
      Request request,
      Response response,
      Callback callback,
      Meter unrouted,
      LongSupplier nanoTime) {
    super(request);
    this.response = requireNonNull(response, "response");
    this.callback = requireNonNull(callback, "callback");
    this.unrouted = requireNonNull(unrouted, "unrouted");
    this.nanoTime = nanoTime;
    this.startNanos = nanoTime.getAsLong();
  }

  /** The context of {@code request}, or {@code null} outside the proxy chain. */
  public static RequestContext of(Request request) {
    return Request.as(request, RequestContext.class);
  }

  /** Pins the chosen route: its name, compiled policies and meter. */
  public void route(String name, PolicySet routePolicies, Meter meter) {
    this.routeName = requireNonNull(name, "name");
    this.policies = requireNonNull(routePolicies, "routePolicies");
    this.routeMeter = requireNonNull(meter, "meter");
  }

  /** The chosen route's name, or {@code null} before routing or when none matched. */
  public @Nullable String routeName() {
    return routeName;
  }

  /** The chosen route's policies (all "none" before routing). */
  public PolicySet policies() {
    return policies;
  }

  /** Records the cluster the request went to. */
  public void cluster(Meter meter) {
    this.clusterMeter = requireNonNull(meter, "meter");
  }

  /** One upstream try failed without a response; counted at once. */
  public void upstreamFailure() {
    Meter route = routeMeter;
    if (route != null) {
      route.upstreamFailure();
    }
    clusterMeter.upstreamFailure();
  }

  /** A retry was not made: the cluster's retry budget was used up. Counted at once. */
  public void retryBudgetExhausted() {
    clusterMeter.retryBudgetExhausted();
  }

  /** The request goes to another try. */
  public void retried() {
    retries++;
  }

  /** When handling began, on the context's clock ({@link System#nanoTime()} outside tests). */
  public long startNanos() {
    return startNanos;
  }

  /** This request's id, made on first use. */
  public String requestId() {
    String id = requestId;
    if (id == null) {
      id = RequestIds.next();
      requestId = id;
    }
    return id;
  }

  @Override
  public void succeeded() {
    count(response.getStatus());
    callback.succeeded();
  }

  @Override
  public void failed(Throwable failure) {
    if (!response.isCommitted()) {
      // Jetty answers 500 (or the failure's status) through its error handler.
      setAttribute(COUNTED, true);
      count(HttpStatus.INTERNAL_SERVER_ERROR_500);
    } else {
      count(response.getStatus());
    }
    callback.failed(failure);
  }

  @Override
  public InvocationType getInvocationType() {
    return callback.getInvocationType();
  }

  private void count(int status) {
    long latency = nanoTime.getAsLong() - startNanos;
    Meter route = routeMeter;
    if (route == null) {
      unrouted.record(status, latency, retries);
      return;
    }
    route.record(status, latency, retries);
    clusterMeter.record(status, latency, retries);
  }
}
