package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ResourceIds;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.routing.PathRewrite;
import dev.concierge.dataplane.tls.ClientIdentity;
import dev.concierge.dataplane.trace.TraceContext;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled rewrite of the exchange with upstream, the one copy both transports use: the
 * path (the canonical one routing matched, or the raw one when the route asks, then the route's
 * {@link PathRewrite}), the request header block without framing, and the route's edits of the
 * response head.
 *
 * <p>Headers: hop-by-hop headers (Connection and the headers it names, Keep-Alive, TE, Trailer,
 * Transfer-Encoding, Upgrade, Proxy-*) and Expect are dropped, except that an HTTP/2 client's
 * {@code TE: trailers} goes on as such (trailers are relayed to it); client-sent X-Forwarded-*,
 * Forwarded and X-Real-IP are dropped and replaced by X-Forwarded-For/-Proto/-Host of this hop,
 * except that the X-Forwarded-For of a peer the node trusts (a configured trusted proxy) is kept
 * and this hop's peer appended to it ({@link #forwardedFor}); {@code Via: <version> concierge} is
 * added; a missing Host is filled in with the endpoint's address; a second Host is dropped.
 * Client-sent X-Client-Cert-Subject/-Fingerprint/-Verified are always dropped; a TLS request whose
 * handshake verified a client certificate gets them from the node ({@link ClientIdentity}).
 * Content-Length is left to the transport, which frames the body.
 *
 * <p>Request id and trace context (a request of the chain, with a {@link RequestContext}): the
 * client's X-Request-Id and traceparent are replaced by the request's id ({@link
 * RequestContext#requestId}, the client's only from a trusted proxy) and this hop's traceparent
 * ({@link RequestContext#trace}: the same trace, this hop's span as the parent); tracestate goes on
 * unchanged only when the client's traceparent was valid.
 *
 * <p>Route rewrites ({@link dev.concierge.api.v1.ForwardAction}): the Host sent is the client's, a
 * fixed one, or the endpoint's address ({@link HostSource}); X-Forwarded-Host keeps the client's.
 * The route's request header edits drop the client's headers they remove or set and add theirs
 * after this hop's forwarding headers (the rules keep them off the node's own headers); its
 * response header edits apply to the upstream response head before it is committed ({@link
 * #responseHeaders}). A route without rewrites uses a shared instance that does none of this.
 *
 * <p>Immutable and thread-safe; allocation-free except for a Connection header naming headers and
 * the values of header templates with variables.
 */
public final class RequestRewrite {
  private static final RequestRewrite NORMALIZED =
      new RequestRewrite(
          PathForm.NORMALIZED, PathRewrite.keep(), HostSource.CLIENT, "", null, null);
  private static final RequestRewrite RAW =
      new RequestRewrite(PathForm.RAW, PathRewrite.keep(), HostSource.CLIENT, "", null, null);
  private static final String VIA_HOST = " concierge";

  /** Which form of the request path goes upstream. */
  public enum PathForm {
    /** The canonical path routing matched (Envoy's normalize_path). */
    NORMALIZED,
    /** The path exactly as the client sent it. */
    RAW
  }

  /** Where the Host sent upstream comes from. */
  public enum HostSource {
    /** The client's Host (the endpoint's address when the client sent none). */
    CLIENT,
    /** A fixed host of the route. */
    FIXED,
    /** The picked endpoint's "host:port". */
    ENDPOINT
  }

  /** Receives the upstream header block one field at a time. */
  public interface HeaderSink {
    /** One header line. */
    void add(String name, String value);
  }

  private final PathForm pathForm;
  private final PathRewrite pathRewrite;
  private final HostSource hostSource;
  private final String fixedHost;
  private final @Nullable HeaderEdits requestEdits;
  private final @Nullable HeaderEdits responseEdits;

  private RequestRewrite(
      PathForm pathForm,
      PathRewrite pathRewrite,
      HostSource hostSource,
      String fixedHost,
      @Nullable HeaderEdits requestEdits,
      @Nullable HeaderEdits responseEdits) {
    this.pathForm = requireNonNull(pathForm, "pathForm");
    this.pathRewrite = requireNonNull(pathRewrite, "pathRewrite");
    this.hostSource = requireNonNull(hostSource, "hostSource");
    this.fixedHost = requireNonNull(fixedHost, "fixedHost");
    this.requestEdits = requestEdits;
    this.responseEdits = responseEdits;
  }

  /** The default rewrite: normalised path, forwarding headers of this hop. */
  public static RequestRewrite defaults() {
    return NORMALIZED;
  }

  /** The rewrite sending {@code form} of the path. */
  public static RequestRewrite of(PathForm form) {
    return form == PathForm.RAW ? RAW : NORMALIZED;
  }

  /**
   * The rewrite of a forward that passed the rules, for the route named {@code routeName}; a shared
   * instance when the forward rewrites nothing but the path form.
   *
   * @param matchedPrefix the route's match.path_prefix (for prefix_rewrite)
   */
  public static RequestRewrite of(ForwardAction forward, String routeName, String matchedPrefix) {
    PathForm form =
        forward.getPathForwarding() == ForwardAction.PathForwarding.RAW
            ? PathForm.RAW
            : PathForm.NORMALIZED;
    PathRewrite path =
        switch (forward.getPathRewriteCase()) {
          case PREFIX_REWRITE -> new PathRewrite.Prefix(matchedPrefix, forward.getPrefixRewrite());
          case REGEX_REWRITE -> PathRewrite.regex(forward.getRegexRewrite());
          default -> PathRewrite.keep();
        };
    HostSource host =
        switch (forward.getHostRewriteCase()) {
          case HOST -> HostSource.FIXED;
          case ENDPOINT_HOST -> HostSource.ENDPOINT;
          default -> HostSource.CLIENT;
        };
    String routeId =
        routeName.startsWith(ResourceIds.ROUTES)
            ? routeName.substring(ResourceIds.ROUTES.length())
            : routeName;
    HeaderEdits request =
        forward.hasRequestHeaders()
            ? HeaderEdits.compile(forward.getRequestHeaders(), routeId)
            : null;
    HeaderEdits response =
        forward.hasResponseHeaders()
            ? HeaderEdits.compile(forward.getResponseHeaders(), routeId)
            : null;
    if (path == PathRewrite.keep()
        && host == HostSource.CLIENT
        && request == null
        && response == null) {
      return of(form);
    }
    return new RequestRewrite(form, path, host, forward.getHost(), request, response);
  }

  /** Which form of the path goes upstream. */
  public PathForm pathForm() {
    return pathForm;
  }

  /** Whether the Host sent upstream is the endpoint's address even when the client sent one. */
  public boolean sendsEndpointHost() {
    return hostSource == HostSource.ENDPOINT;
  }

  /**
   * The Host sent upstream for {@code request} going to {@code endpoint} ("host[:port]"): the
   * route's fixed one, the endpoint's address, or the client's (the endpoint's address when the
   * client sent none). HTTP/2 upstreams carry it as {@code :authority}.
   */
  public String hostSent(Request request, Endpoint endpoint) {
    return switch (hostSource) {
      case FIXED -> fixedHost;
      case ENDPOINT -> endpoint.address();
      case CLIENT -> {
        String host = request.getHeaders().get(HttpHeader.HOST);
        yield host != null ? host : endpoint.address();
      }
    };
  }

  /** The path to send for {@code uri}, never empty. */
  public String path(HttpURI uri) {
    String path = pathForm == PathForm.RAW ? uri.getPath() : uri.getCanonicalPath();
    return pathRewrite.apply(path == null || path.isEmpty() ? "/" : path, uri);
  }

  /**
   * Applies the route's response header edits to {@code headers}, the upstream response head of
   * {@code request} before it is committed to the client; nothing when the route has none.
   */
  public void responseHeaders(Request request, HttpFields.Mutable headers) {
    responseHeaders(request, RequestContext.of(request), headers);
  }

  /**
   * As {@link #responseHeaders(Request, HttpFields.Mutable)} with the request's context at hand,
   * whose stages may edit the head too ({@link RequestContext#editResponseHead}, CORS).
   */
  public void responseHeaders(
      Request request, @Nullable RequestContext context, HttpFields.Mutable headers) {
    HeaderEdits edits = responseEdits;
    if (edits != null) {
      edits.applyTo(headers, request);
    }
    if (context != null) {
      context.responseHead(headers);
    }
  }

  /** The header block for {@code request} going to {@code endpoint}, into {@code sink}. */
  public void headers(Request request, Endpoint endpoint, HeaderSink sink) {
    HttpFields fields = request.getHeaders();
    boolean hasHost = fields.contains(HttpHeader.HOST);
    headers(
        fields,
        forwardedFor(request),
        request.isSecure(),
        request.getConnectionMetaData().getHttpVersion(),
        hasHost ? null : request.getHttpURI().getAuthority(),
        hasHost && hostSource != HostSource.ENDPOINT ? null : endpoint.address(),
        request,
        sink);
  }

  /**
   * The X-Forwarded-For value to send: the peer's address, after the client's X-Forwarded-For lines
   * (joined with ", ") when the peer is a trusted proxy. Allocation-free unless the peer is
   * trusted.
   */
  public static String forwardedFor(Request request) {
    String peer = Request.getRemoteAddr(request);
    RequestContext context = RequestContext.of(request);
    if (context == null || !context.peerTrusted()) {
      return peer;
    }
    StringBuilder chain = new StringBuilder();
    for (HttpField field : request.getHeaders()) {
      if (field.getHeader() == HttpHeader.X_FORWARDED_FOR && !field.getValue().isBlank()) {
        chain.append(field.getValue().strip()).append(", ");
      }
    }
    return chain.append(peer).toString();
  }

  /**
   * The header block from the client request's parts, into {@code sink}.
   *
   * @param fields the client request's headers
   * @param clientIp the X-Forwarded-For value to send ({@link #forwardedFor})
   * @param secure whether the client connection is TLS (X-Forwarded-Proto)
   * @param clientVersion the client's protocol version (Via)
   * @param authority the client's URI authority, for X-Forwarded-Host when there is no Host header;
   *     may be {@code null}
   * @param upstreamAuthority the endpoint's address ("host:port"): the Host to send when the client
   *     sent none or the route sends the endpoint's ({@link #sendsEndpointHost}); else may be null
   * @param request the client request, for the values of header templates and the client
   *     certificate of a TLS connection; may be null only when the route has no request header
   *     edits (then no client certificate is passed on)
   */
  public void headers(
      HttpFields fields,
      String clientIp,
      boolean secure,
      HttpVersion clientVersion,
      @Nullable String authority,
      @Nullable String upstreamAuthority,
      @Nullable Request request,
      HeaderSink sink) {
    HeaderEdits edits = requestEdits;
    RequestContext context = request == null ? null : RequestContext.of(request);
    TraceContext trace = context == null ? null : context.trace();
    String @Nullable [] connectionTokens =
        fields.contains(HttpHeader.CONNECTION) ? connectionTokens(fields) : null;
    String host = null;
    for (HttpField field : fields) {
      HttpHeader header = field.getHeader();
      if (header != null) {
        switch (header) {
          case TE -> {
            // Hop-by-hop, but from an HTTP/2 client "trailers" says it takes trailers (gRPC needs
            // them): this hop relays them on HTTP/2, so it says the same upstream.
            if ((clientVersion == HttpVersion.HTTP_2 || clientVersion == HttpVersion.HTTP_3)
                && field.contains("trailers")) {
              sink.add("TE", "trailers");
            }
            continue;
          }
          case CONNECTION,
              KEEP_ALIVE,
              TRAILER,
              TRANSFER_ENCODING,
              UPGRADE,
              PROXY_AUTHORIZATION,
              PROXY_AUTHENTICATE,
              PROXY_CONNECTION,
              X_FORWARDED_FOR,
              X_FORWARDED_PROTO,
              X_FORWARDED_HOST,
              X_FORWARDED_PORT,
              X_FORWARDED_SERVER,
              FORWARDED,
              EXPECT,
              CONTENT_LENGTH -> {
            continue;
          }
          case HOST -> {
            if (host != null) {
              continue; // a second Host: send the first only
            }
            host = field.getValue();
            if (hostSource != HostSource.CLIENT) {
              continue; // sent below
            }
          }
          default -> {
            // copied below
          }
        }
      } else if (isDroppedByName(field.getName())) {
        continue;
      } else if (trace != null && isReplacedId(field.getName(), trace)) {
        continue;
      }
      if (connectionTokens != null && named(connectionTokens, field.getName())) {
        continue;
      }
      if (edits != null && edits.drops(field.getName())) {
        continue;
      }
      sink.add(field.getName(), field.getValue());
    }
    switch (hostSource) {
      case FIXED -> sink.add("Host", fixedHost);
      case ENDPOINT -> sink.add("Host", requireNonNull(upstreamAuthority, "upstreamAuthority"));
      default -> {
        if (host == null && upstreamAuthority != null) {
          sink.add("Host", upstreamAuthority);
        }
      }
    }
    sink.add("X-Forwarded-For", clientIp);
    sink.add("X-Forwarded-Proto", secure ? "https" : "http");
    String forwardedHost = host != null ? host : authority;
    if (forwardedHost != null && !forwardedHost.isEmpty()) {
      sink.add("X-Forwarded-Host", forwardedHost);
    }
    sink.add("Via", via(clientVersion));
    if (context != null && trace != null) {
      sink.add(ErrorAnswers.REQUEST_ID, context.requestId());
      sink.add(TraceContext.TRACEPARENT, trace.traceparent());
    }
    if (secure && request != null) {
      ClientIdentity identity = ClientIdentity.of(request);
      if (identity != null) {
        sink.add(ClientIdentity.SUBJECT_HEADER, identity.subject());
        sink.add(ClientIdentity.FINGERPRINT_HEADER, identity.fingerprint());
        sink.add(ClientIdentity.VERIFIED_HEADER, ClientIdentity.VERIFIED);
      }
    }
    if (edits != null) {
      edits.appendTo(requireNonNull(request, "request"), sink);
    }
  }

  private static String via(HttpVersion version) {
    if (version == null) {
      return "1.1" + VIA_HOST;
    }
    return switch (version) {
      case HTTP_1_0 -> "1.0" + VIA_HOST;
      case HTTP_2 -> "2" + VIA_HOST;
      case HTTP_3 -> "3" + VIA_HOST;
      case HTTP_0_9 -> "0.9" + VIA_HOST;
      default -> "1.1" + VIA_HOST;
    };
  }

  /** Whether the client's field {@code name} gives way to this hop's request id or trace. */
  private static boolean isReplacedId(String name, TraceContext trace) {
    return name.equalsIgnoreCase(ErrorAnswers.REQUEST_ID)
        || name.equalsIgnoreCase(TraceContext.TRACEPARENT)
        || (!trace.continued() && name.equalsIgnoreCase(TraceContext.TRACESTATE));
  }

  private static boolean isDroppedByName(String name) {
    return name.equalsIgnoreCase("X-Real-IP")
        || name.regionMatches(true, 0, "Proxy-", 0, 6)
        || ClientIdentity.isHeader(name);
  }

  /** Names listed in Connection (other than close/keep-alive); rare, so allocation is fine. */
  private static String @Nullable [] connectionTokens(HttpFields fields) {
    List<String> names = new ArrayList<>(2);
    for (HttpField field : fields) {
      if (field.getHeader() == HttpHeader.CONNECTION) {
        for (String token : field.getValues()) {
          String t = token.trim();
          if (!t.isEmpty() && !t.equalsIgnoreCase("close") && !t.equalsIgnoreCase("keep-alive")) {
            names.add(t);
          }
        }
      }
    }
    return names.isEmpty() ? null : names.toArray(new String[0]);
  }

  private static boolean named(String[] tokens, String name) {
    for (String token : tokens) {
      if (token.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }
}
