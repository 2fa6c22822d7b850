package dev.concierge.dataplane.answer;

import dev.concierge.dataplane.routing.PathRewrite;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * A redirect whose Location is the request's URL with the configured parts replaced: scheme, host,
 * port, the path (whole, its matched prefix, or a regex rewrite) and the query (kept or dropped).
 * Immutable, thread-safe.
 */
public final class Redirect implements LocalAnswer {
  private final int status;
  private final @Nullable String scheme;
  private final @Nullable String host;
  private final int port;
  private final PathRewrite path;
  private final boolean dropQuery;

  /**
   * @param scheme null keeps the request's
   * @param host null keeps the request's
   * @param port 0 keeps the request's
   * @param path the path rewrite, shared with forwarding
   */
  public Redirect(
      int status,
      @Nullable String scheme,
      @Nullable String host,
      int port,
      PathRewrite path,
      boolean dropQuery) {
    this.status = status;
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.path = path;
    this.dropQuery = dropQuery;
  }

  @Override
  public void write(Request request, Response response, Callback callback) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.LOCATION, location(request));
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0);
    response.write(true, null, callback);
  }

  /** The Location for {@code request}. */
  String location(Request request) {
    HttpURI uri = request.getHttpURI();
    String requestScheme = request.isSecure() ? "https" : "http";
    String newScheme = scheme != null ? scheme : requestScheme;
    String newHost = host != null ? host : Request.getServerName(request);
    int newPort;
    if (port != 0) {
      newPort = port;
    } else if (scheme != null && !scheme.equals(requestScheme)) {
      newPort = 0; // the new scheme's default port
    } else {
      newPort = Request.getServerPort(request);
    }
    StringBuilder location = new StringBuilder(64).append(newScheme).append("://");
    location.append(
        newHost.indexOf(':') >= 0 && !newHost.startsWith("[") ? "[" + newHost + "]" : newHost);
    boolean defaultPort =
        newPort <= 0
            || (newPort == 80 && newScheme.equals("http"))
            || (newPort == 443 && newScheme.equals("https"));
    if (!defaultPort) {
      location.append(':').append(newPort);
    }
    location.append(path(uri));
    String query = uri.getQuery();
    if (!dropQuery && query != null && !query.isEmpty()) {
      location.append('?').append(query);
    }
    return location.toString();
  }

  private String path(HttpURI uri) {
    String raw = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
    return path.apply(raw, uri);
  }

  @Override
  public String toString() {
    return "redirect " + status;
  }
}
