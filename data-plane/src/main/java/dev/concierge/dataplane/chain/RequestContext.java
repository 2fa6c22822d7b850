package dev.concierge.dataplane.chain;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.DeviceClass;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
import dev.concierge.dataplane.client.ClientSettings;
import dev.concierge.dataplane.client.DeviceClassifier;
import dev.concierge.dataplane.trace.TraceContext;
import dev.concierge.dataplane.trace.TraceSampler;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * One request's state from the outermost stage to the last: when it started, the route routing
 * chose (its name, policies and meter), the cluster meter, retries, the request id, and what is
 * known of the client (address, device class, country; each computed on first use, so a request no
 * route or stage asks about pays nothing). It is the request the stages see (found with {@link
 * #of}) and the callback they complete: its completion counts the answer once, on the route's and
 * cluster's meters or on the unrouted one.
 *
 * <p>Written by one stage at a time as the request moves down the chain (each hand-off between
 * threads is a happens-before edge of Jetty's or the JDK's queues); completed exactly once.
 */
public final class RequestContext extends Request.Wrapper implements Callback, ClientFacts {
  /**
   * Set on a request whose failure this context already counted: Jetty then answers it through its
   * error handler, which must not count it again.
   */
  public static final String COUNTED = RequestContext.class.getName() + ".counted";

  private final Response response;
  private final Callback callback;
  private final Meter unrouted;
  private final LongAdder inFlight;
  private final LongSupplier nanoTime;
  private final long startNanos;
  private boolean ended;
  private @Nullable String routeName;
  private PolicySet policies = PolicySet.empty();
  private @Nullable Meter routeMeter;
  private @Nullable String clusterName;
  private Meter clusterMeter = Meter.none();
  private @Nullable UpstreamPeer upstream;
  private long upstreamStartNanos;
  private long upstreamNanos = -1;
  private int retries;
  private @Nullable String requestId;
  private ClientSettings client = ClientSettings.defaults();
  private @Nullable ClientAddress clientAddress;
  private boolean peerTrusted;
  private @Nullable DeviceClass deviceClass;
  private @Nullable String country;
  private @Nullable HttpField keptResponseField;
  private @Nullable ResponseHeadEdit responseHeadEdit;
  private @Nullable JwtClaims jwtClaims;
  // Request id, trace context and access log: the log and the randomness of new trace ids.
  private final RequestLog log;
  private final Supplier<RandomGenerator> random;
  private final TraceSampler sampler;
  private @Nullable TraceContext trace;
  private @Nullable String consumer;

  /**
   * A context counting requests in flight on an adder of its own (tests, tools), logging nothing
   * and drawing trace ids from the thread's random generator.
   *
   * @param unrouted counts the answer when no route was chosen
   * @param nanoTime the clock of latencies; read now for the start and at completion
   */
  public RequestContext(
      Request request,
      Response response,
      Callback callback,
      Meter unrouted,
      LongSupplier nanoTime) {
    this(request, response, callback, unrouted, new LongAdder(), nanoTime);
  }

  /**
   * A context that logs nothing and draws trace ids from the thread's random generator.
   *
   * @param unrouted counts the answer when no route was chosen
   * @param inFlight the node's requests in flight: one more from now until the context completes
   * @param nanoTime the clock of latencies; read now for the start and at completion
   */
  public RequestContext(
      Request request,
      Response response,
      Callback callback,
      Meter unrouted,
      LongAdder inFlight,
      LongSupplier nanoTime) {
    this(
        request,
        response,
        callback,
        unrouted,
        inFlight,
        nanoTime,
        RequestLog.none(),
        ThreadLocalRandom::current,
        TraceSampler.never());
  }

  /**
   * @param unrouted counts the answer when no route was chosen
   * @param inFlight the node's requests in flight: one more from now until the context completes
   * @param nanoTime the clock of latencies; read now for the start and at completion
   * @param log told of the request once it completed (the access log)
   * @param random draws new trace and span ids; per call so a thread-local generator works
   * @param sampler decides whether a trace the request starts is sampled
   */
  public RequestContext(
      Request request,
      Response response,
      Callback callback,
      Meter unrouted,
      LongAdder inFlight,
      LongSupplier nanoTime,
      RequestLog log,
      Supplier<RandomGenerator> random,
      TraceSampler sampler) {
    super(request);
    this.response = requireNonNull(response, "response");
    this.callback = requireNonNull(callback, "callback");
    this.unrouted = requireNonNull(unrouted, "unrouted");
    this.inFlight = requireNonNull(inFlight, "inFlight");
    this.nanoTime = nanoTime;
    this.log = requireNonNull(log, "log");
    this.random = requireNonNull(random, "random");
    this.sampler = requireNonNull(sampler, "sampler");
    this.startNanos = nanoTime.getAsLong();
    inFlight.increment();
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

  /** Records the consumer an authentication stage proved the request comes from ("alice"). */
  public void consumer(String id) {
    this.consumer = requireNonNull(id, "id");
  }

  /** The authenticated consumer's id, or {@code null} when no stage authenticated one. */
  @Override
  public @Nullable String consumer() {
    return consumer;
  }

  /** Records the cluster the request went to: its name and meter. */
  public void cluster(String name, Meter meter) {
    this.clusterName = requireNonNull(name, "name");
    this.clusterMeter = requireNonNull(meter, "meter");
  }

  /** The name of the cluster the request went to, or {@code null} when it went to none. */
  public @Nullable String clusterName() {
    return clusterName;
  }

  /** An upstream try to {@code peer} starts now, on the context's clock. */
  public void upstreamStarted(UpstreamPeer peer) {
    this.upstream = requireNonNull(peer, "peer");
    this.upstreamStartNanos = nanoTime.getAsLong();
    this.upstreamNanos = -1;
  }

  /**
   * The try {@link #upstreamStarted} began ended now (answered or failed); returns its duration in
   * nanoseconds, also kept for {@link #upstreamNanos()}, or -1 when no try had started.
   */
  public long upstreamEnded() {
    if (upstream == null) {
      return -1;
    }
    long nanos = Math.max(0, nanoTime.getAsLong() - upstreamStartNanos);
    upstreamNanos = nanos;
    return nanos;
  }

  /** "host:port" of the endpoint of the last upstream try, or {@code null} when none was made. */
  public @Nullable String upstreamAddress() {
    UpstreamPeer peer = upstream;
    return peer == null ? null : peer.address();
  }

  /**
   * The duration of the last upstream try in nanoseconds, or -1 when none was made or it has not
   * ended.
   */
  public long upstreamNanos() {
    return upstreamNanos;
  }

  /** The request body bytes read from the client so far (all of them once completed). */
  public long bytesIn() {
    return Math.max(0, Request.getContentBytesRead(this)); // -1 off a Jetty channel (tests)
  }

  /** The response body bytes written to the client so far (all of them once completed). */
  public long bytesOut() {
    return Math.max(0, Response.getContentBytesWritten(response));
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

  /** A circuit-breaker limit of the cluster was hit (the request is answered 503). At once. */
  public void circuitBreakerOverflow() {
    clusterMeter.circuitBreakerOverflow();
  }

  /** The request goes to another try. */
  public void retried() {
    retries++;
  }

  /**
   * Puts {@code field} on the response and keeps it there through {@link #resetResponse}: a field
   * every answer of the route must carry (HSTS), whether it is relayed from a later try or made by
   * the node. One slot: only the route's TLS policy needs it today.
   */
  public void keepOnResponse(HttpField field) {
    keptResponseField = field;
    response.getHeaders().put(field);
  }

  /** Has {@code edit} made on the final upstream response head (one slot: CORS needs it). */
  public void editResponseHead(ResponseHeadEdit edit) {
    responseHeadEdit = edit;
  }

  /**
   * Makes the edit a stage asked for with {@link #editResponseHead}, if any, on {@code headers}.
   */
  public void responseHead(HttpFields.Mutable headers) {
    ResponseHeadEdit edit = responseHeadEdit;
    if (edit != null) {
      edit.apply(this, headers);
    }
  }

  /** The claims of the request's verified JWT, or null when no JWT policy admitted it. */
  public @Nullable JwtClaims jwtClaims() {
    return jwtClaims;
  }

  @Override
  public @Nullable String claim(String name) {
    JwtClaims claims = jwtClaims;
    Object value = claims == null ? null : claims.get(name);
    if (value == null) {
      return null;
    }
    return value instanceof String text ? text : String.valueOf(value);
  }

  /** Records the claims of the request's verified JWT (the JWT stage). */
  public void jwtClaims(JwtClaims claims) {
    this.jwtClaims = requireNonNull(claims, "claims");
  }

  /**
   * Resets the uncommitted response for another try or the node's own answer, keeping what {@link
   * #keepOnResponse} put there.
   */
  public void resetResponse() {
    response.reset();
    HttpField kept = keptResponseField;
    if (kept != null) {
      response.getHeaders().put(kept);
    }
  }

  /** When handling began, on the context's clock ({@link System#nanoTime()} outside tests). */
  public long startNanos() {
    return startNanos;
  }

  /**
   * This request's id, fixed on first use: the {@value ErrorAnswers#REQUEST_ID} a trusted proxy
   * sent when it is {@linkplain RequestIds#isAcceptable acceptable}, else a new one. It goes to the
   * backend and is the id of the node's own answers and of the access log line.
   */
  public String requestId() {
    String id = requestId;
    if (id == null) {
      String sent = peerTrusted() ? getHeaders().get(ErrorAnswers.REQUEST_ID) : null;
      id = sent != null && RequestIds.isAcceptable(sent) ? sent : RequestIds.next();
      requestId = id;
    }
    return id;
  }

  /**
   * This hop's trace context, made on first use: continuing the request's valid {@code
   * traceparent}, else starting a trace (sampled as the node's sampler decides).
   */
  public TraceContext trace() {
    TraceContext context = trace;
    if (context == null) {
      context = TraceContext.of(getHeaders(), random.get(), startEpochNanos(), sampler);
      trace = context;
    }
    return context;
  }

  /**
   * When handling began, in nanoseconds since the epoch: the wall clock of the client settings less
   * the time elapsed on the context's clock.
   */
  public long startEpochNanos() {
    return currentTimeMillis() * 1_000_000L - (nanoTime.getAsLong() - startNanos);
  }

  /** Sets the node's client settings (trusted proxies, geo, clock); before any fact is read. */
  public void client(ClientSettings settings) {
    this.client = requireNonNull(settings, "settings");
  }

  /**
   * The client's address: the connection's peer, or, when the peer is a trusted proxy, the first
   * untrusted hop of X-Forwarded-For from the right. Computed once.
   */
  @Override
  public ClientAddress clientAddress() {
    ClientAddress address = clientAddress;
    if (address == null) {
      ClientAddress peer = ClientAddress.peerOf(this);
      peerTrusted = client.trustedProxies().trusts(peer);
      address = peerTrusted ? client.trustedProxies().clientBehind(peer, getHeaders()) : peer;
      clientAddress = address;
    }
    return address;
  }

  /** Whether the peer is a trusted proxy; free when the node trusts none. */
  @Override
  public boolean peerTrusted() {
    if (client.trustedProxies().isEmpty()) {
      return false;
    }
    clientAddress();
    return peerTrusted;
  }

  /** The User-Agent's device class, classified once. */
  @Override
  public DeviceClass deviceClass() {
    DeviceClass device = deviceClass;
    if (device == null) {
      device = DeviceClassifier.classify(getHeaders().get(HttpHeader.USER_AGENT));
      deviceClass = device;
    }
    return device;
  }

  /** The client's country ("ZZ" when unknown), looked up once. */
  @Override
  public String country() {
    String code = country;
    if (code == null) {
      code = client.geo().countryOf(getHeaders(), this);
      country = code;
    }
    return code;
  }

  @Override
  public long currentTimeMillis() {
    return client.clock().millis();
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

  /**
   * The chain gave up the request without completing the context (a stage threw, or none took it):
   * it no longer counts as in flight. Nothing when the context already completed.
   */
  public void abandoned() {
    if (!ended) {
      ended = true;
      inFlight.decrement();
    }
  }

  private void count(int status) {
    if (!ended) {
      ended = true;
      inFlight.decrement();
    }
    long latency = nanoTime.getAsLong() - startNanos;
    MethodClass method = MethodClass.of(getMethod());
    Meter route = routeMeter;
    if (route == null) {
      unrouted.record(method, status, latency, retries);
      unrouted.bytes(bytesIn(), bytesOut());
    } else {
      route.record(method, status, latency, retries);
      route.bytes(bytesIn(), bytesOut());
      clusterMeter.record(method, status, latency, retries);
    }
    log.completed(this, status, latency);
  }
}
