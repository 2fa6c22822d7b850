package dev.concierge.dataplane.trace.otlp;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.trace.TraceContext;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * The proxy hop of one completed, sampled request, as the OpenTelemetry SDK's batch processor takes
 * spans: what the request knew at completion, kept as the references it made anyway (the request
 * itself is recycled), and turned into {@link SpanData} with OpenTelemetry's HTTP server attributes
 * only on the exporter's thread ({@link #toSpanData}). The span's ids are the hop's own: the trace
 * id, the span id the backend got as its parent, the caller's span as parent. Immutable.
 */
final class HopSpan implements ReadableSpan {
  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> METHOD_ORIGINAL =
      AttributeKey.stringKey("http.request.method_original");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
  static final AttributeKey<String> PEER_ADDRESS = AttributeKey.stringKey("network.peer.address");
  static final AttributeKey<Long> PEER_PORT = AttributeKey.longKey("network.peer.port");
  static final AttributeKey<String> PROTOCOL_VERSION =
      AttributeKey.stringKey("network.protocol.version");
  static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("concierge.route");
  static final AttributeKey<String> CLUSTER = AttributeKey.stringKey("concierge.cluster");
  static final AttributeKey<String> UPSTREAM = AttributeKey.stringKey("concierge.upstream.address");
  static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("concierge.request_id");

  // OpenTelemetry's known methods; any other is reported as "_OTHER" with the original kept.
  private static final Set<String> KNOWN_METHODS =
      Set.of("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE");

  private final TraceContext trace;
  private final SpanContext spanContext;
  private final Resource resource;
  private final InstrumentationScopeInfo scope;
  private final String method;
  private final @Nullable String path;
  private final @Nullable String serverName;
  private final int serverPort;
  private final boolean secure;
  private final String protocol;
  private final @Nullable SocketAddress peer;
  private final String client;
  private final @Nullable String userAgent;
  private final int status;
  private final long durationNanos;
  private final @Nullable String route;
  private final @Nullable String cluster;
  private final @Nullable String upstream;
  private final String requestId;

  private HopSpan(
      RequestContext context,
      TraceContext trace,
      int status,
      long durationNanos,
      Resource resource,
      InstrumentationScopeInfo scope) {
    this.trace = trace;
    this.spanContext =
        SpanContext.create(
            trace.traceId(), trace.spanId(), TraceFlags.getSampled(), TraceState.getDefault());
    this.resource = resource;
    this.scope = scope;
    this.method = context.getMethod();
    this.path = context.getHttpURI().getPath();
    this.serverName = Request.getServerName(context);
    this.serverPort = Request.getServerPort(context);
    this.secure = context.isSecure();
    this.protocol = context.getConnectionMetaData().getProtocol();
    this.peer = context.getConnectionMetaData().getRemoteSocketAddress();
    this.client = context.clientAddress().text();
    this.userAgent = context.getHeaders().get(HttpHeader.USER_AGENT);
    this.status = status;
    this.durationNanos = durationNanos;
    this.route = context.routeName();
    this.cluster = context.clusterName();
    this.upstream = context.upstreamAddress();
    this.requestId = context.requestId();
  }

  /** The hop of {@code context}, completed with {@code status} after {@code durationNanos}. */
  static HopSpan of(
      RequestContext context,
      TraceContext trace,
      int status,
      long durationNanos,
      Resource resource,
      InstrumentationScopeInfo scope) {
    return new HopSpan(
        requireNonNull(context, "context"),
        requireNonNull(trace, "trace"),
        status,
        durationNanos,
        requireNonNull(resource, "resource"),
        requireNonNull(scope, "scope"));
  }

  @Override
  public SpanContext getSpanContext() {
    return spanContext;
  }

  @Override
  public SpanContext getParentSpanContext() {
    String parent = trace.parentSpanId();
    return parent == null
        ? SpanContext.getInvalid()
        : SpanContext.createFromRemoteParent(
            trace.traceId(),
            parent,
            TraceFlags.fromByte((byte) trace.flags()),
            TraceState.getDefault());
  }

  /** "GET routes/api": the method and the route, the low-cardinality name of a server span. */
  @Override
  public String getName() {
    String name = KNOWN_METHODS.contains(method) ? method : "HTTP";
    return route == null ? name : name + " " + route;
  }

  @Override
  public SpanData toSpanData() {
    return new HopSpanData(
        getName(),
        spanContext,
        getParentSpanContext(),
        status >= 500 ? StatusData.error() : StatusData.unset(),
        trace.startEpochNanos(),
        trace.startEpochNanos() + durationNanos,
        getAttributes(),
        resource,
        scope);
  }

  @Override
  @Deprecated
  public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
    return HopSpanData.libraryInfo(scope);
  }

  @Override
  public InstrumentationScopeInfo getInstrumentationScopeInfo() {
    return scope;
  }

  @Override
  public boolean hasEnded() {
    return true;
  }

  @Override
  public long getLatencyNanos() {
    return durationNanos;
  }

  @Override
  public SpanKind getKind() {
    return SpanKind.SERVER;
  }

  @Override
  public <T> @Nullable T getAttribute(AttributeKey<T> key) {
    return getAttributes().get(key);
  }

  /** OpenTelemetry's HTTP server attributes and the node's own; the query is left out (secrets). */
  @Override
  public Attributes getAttributes() {
    AttributesBuilder attributes = Attributes.builder();
    if (KNOWN_METHODS.contains(method)) {
      attributes.put(METHOD, method);
    } else {
      attributes.put(METHOD, "_OTHER").put(METHOD_ORIGINAL, method);
    }
    attributes.put(STATUS, (long) status);
    attributes.put(SCHEME, secure ? "https" : "http");
    attributes.put(PATH, path == null || path.isEmpty() ? "/" : path);
    if (serverName != null && !serverName.isEmpty()) {
      attributes.put(SERVER_ADDRESS, serverName);
      attributes.put(SERVER_PORT, (long) (serverPort > 0 ? serverPort : secure ? 443 : 80));
    }
    attributes.put(CLIENT_ADDRESS, client);
    if (peer instanceof InetSocketAddress inet && inet.getAddress() != null) {
      attributes.put(PEER_ADDRESS, inet.getAddress().getHostAddress());
      attributes.put(PEER_PORT, (long) inet.getPort());
    }
    attributes.put(PROTOCOL_VERSION, protocolVersion(protocol));
    if (userAgent != null) {
      attributes.put(USER_AGENT, userAgent);
    }
    if (status >= 500) {
      attributes.put(ERROR_TYPE, Integer.toString(status));
    }
    if (route != null) {
      attributes.put(ROUTE, route);
    }
    if (cluster != null) {
      attributes.put(CLUSTER, cluster);
    }
    if (upstream != null) {
      attributes.put(UPSTREAM, upstream);
    }
    attributes.put(REQUEST_ID, requestId);
    return attributes.build();
  }

  /** "HTTP/1.1" → "1.1", "HTTP/2.0" → "2", as OpenTelemetry writes versions. */
  static String protocolVersion(String protocol) {
    String version = protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol;
    return version.endsWith(".0") && !version.equals("1.0")
        ? version.substring(0, version.length() - 2)
        : version;
  }
}
