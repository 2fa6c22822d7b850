package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries {@link DashboardRoutes} on the control plane's HTTP port: mounted on the root, {@link
 * #PAGES} and {@link #API}. Blocking (bridge calls wait for the management API and read the body as
 * a stream); completes the callback with the routes' answer, or 500 when they fail.
 */
public final class DashboardHandler extends Handler.Abstract {
  /** The path spec of the page and its files. */
  public static final String PAGES = "/dashboard/*";

  /** The path spec of the session and the JSON bridge. */
  public static final String API = "/api/*";

  private static final Logger log = LoggerFactory.getLogger(DashboardHandler.class);

  private final DashboardRoutes routes;

  public DashboardHandler(DashboardRoutes routes) {
    this.routes = requireNonNull(routes, "routes");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String method = request.getMethod();
    HttpAnswer answer;
    try {
      answer =
          routes.handle(
              method,
              request.getHttpURI().getDecodedPath(),
              name -> request.getHeaders().get(name),
              client(request),
              () -> Content.Source.asInputStream(request));
    } catch (Exception e) {
      log.warn("dashboard request {} failed", request.getHttpURI(), e);
      answer = HttpAnswer.error(500, "INTERNAL", "the request failed");
    }
    response.setStatus(answer.status());
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
    answer.headers().forEach((name, value) -> response.getHeaders().put(name, value));
    boolean noBody = HttpMethod.HEAD.is(method) || answer.body().isEmpty();
    response.write(
        true, noBody ? ByteBuffer.allocate(0) : answer.body().asReadOnlyByteBuffer(), callback);
    return true;
  }

  /** The client's "host:port" (IPv6 in brackets), as the audit log writes addresses. */
  private static String client(Request request) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    if (remote instanceof InetSocketAddress inet && inet.getAddress() != null) {
      String host = inet.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return String.valueOf(remote);
  }
}
