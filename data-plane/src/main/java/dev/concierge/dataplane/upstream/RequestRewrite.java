package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.cluster.Endpoint;
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
 * A route's compiled rewrite of the request that goes upstream, the one copy both transports use:
 * the path (the canonical one routing matched, or the raw one when the route asks), and the header
 * block without framing.
 *
 * <p>Headers: hop-by-hop headers (Connection and the headers it names, Keep-Alive, TE, Trailer,
 * Transfer-Encoding, Upgrade, Proxy-*) and Expect are dropped, except that an HTTP/2 client's
 * {@code TE: trailers} goes on as such (trailers are relayed to it); client-sent X-Forwarded-*,
 * Forwarded and X-Real-IP are dropped and replaced by X-Forwarded-For/-Proto/-Host of this hop,
 * except that the X-Forwarded-For of a peer the node trusts (a configured trusted proxy) is kept
 * and this hop's peer appended to it ({@link #forwardedFor}); {@code Via: <version> concierge} is
 * added; a missing Host is filled in with the endpoint's address; a second Host is dropped.
 * Content-Length is left to the transport, which frames the body.
 *
 * <p>Immutable and thread-safe; allocation-free except for a Connection header naming headers.
 */
public final class RequestRewrite {
  private static final RequestRewrite NORMALIZED = new RequestRewrite(PathForm.NORMALIZED);
  private static final RequestRewrite RAW = new RequestRewrite(PathForm.RAW);
  private static final String VIA_HOST = " concierge";

  /** Which form of the request path goes upstream. */
  public enum PathForm {
    /** The canonical path routing matched (Envoy's normalize_path). */
    NORMALIZED,
    /** The path exactly as the client sent it. */
    RAW
  }

  /** Receives the upstream header block one field at a time. */
  public interface HeaderSink {
    /** One header line. */
    void add(String name, String value);
  }

  private final PathForm pathForm;

  private RequestRewrite(PathForm pathForm) {
    this.pathForm = requireNonNull(pathForm, "pathForm");
  }

  /** The default rewrite: normalised path, forwarding headers of this hop. */
  public static RequestRewrite defaults() {
    return NORMALIZED;
  }

  /** The rewrite sending {@code form} of the path. */
  public static RequestRewrite of(PathForm form) {
    return form == PathForm.RAW ? RAW : NORMALIZED;
  }

  /** Which form of the path goes upstream. */
  public PathForm pathForm() {
    return pathForm;
  }

  /** The path to send for {@code uri}, never empty. */
  public String path(HttpURI uri) {
    String path = pathForm == PathForm.RAW ? uri.getPath() : uri.getCanonicalPath();
    return path == null || path.isEmpty() ? "/" : path;
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
        hasHost ? null : endpoint.address(),
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
   * @param upstreamAuthority the Host to send when the client sent none ("host:port")
   */
  public void headers(
      HttpFields fields,
      String clientIp,
      boolean secure,
      HttpVersion clientVersion,
      @Nullable String authority,
      @Nullable String upstreamAuthority,
      HeaderSink sink) {
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
          }
          default -> {
            // copied below
          }
        }
      } else if (isDroppedByName(field.getName())) {
        continue;
      }
      if (connectionTokens != null && named(connectionTokens, field.getName())) {
        continue;
      }
      sink.add(field.getName(), field.getValue());
    }
    if (host == null && upstreamAuthority != null) {
      sink.add("Host", upstreamAuthority);
    }
    sink.add("X-Forwarded-For", clientIp);
    sink.add("X-Forwarded-Proto", secure ? "https" : "http");
    String forwardedHost = host != null ? host : authority;
    if (forwardedHost != null && !forwardedHost.isEmpty()) {
      sink.add("X-Forwarded-Host", forwardedHost);
    }
    sink.add("Via", via(clientVersion));
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

  private static boolean isDroppedByName(String name) {
    return name.equalsIgnoreCase("X-Real-IP") || name.regionMatches(true, 0, "Proxy-", 0, 6);
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
