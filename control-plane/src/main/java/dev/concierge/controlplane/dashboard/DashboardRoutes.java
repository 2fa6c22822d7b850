package dev.concierge.controlplane.dashboard;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What the dashboard answers on the control plane's HTTP port, whatever server carries it: {@code
 * /} sends the browser on to {@link DashboardAssets#PREFIX}, which serves the page and its files;
 * {@code GET /api/session} names the caller's token and role; {@code POST /api/v1/<Method>} calls
 * the management API.
 */
public final class DashboardRoutes {
  /** The path prefix of the management API's JSON bridge. */
  public static final String API_PREFIX = "/api/v1/";

  /** The path that names the caller's token. */
  public static final String SESSION_PATH = "/api/session";

  private final DashboardAssets assets;
  private final ManagementBridge bridge;
  private final TokenSession session;

  public DashboardRoutes(DashboardAssets assets, ManagementBridge bridge, TokenSession session) {
    this.assets = requireNonNull(assets, "assets");
    this.bridge = requireNonNull(bridge, "bridge");
    this.session = requireNonNull(session, "session");
  }

  /** A body a handler reads only when the route takes one. */
  @FunctionalInterface
  public interface Body {
    InputStream open() throws IOException;
  }

  /**
   * The answer to one request.
   *
   * @param method the HTTP method
   * @param path the decoded path, without the query
   * @param header a request header by name, null when absent
   * @param client the client's address, "host:port"
   * @param body the request body
   */
  public HttpAnswer handle(
      String method,
      String path,
      Function<String, @Nullable String> header,
      String client,
      Body body)
      throws IOException {
    if (path.equals("/") || path.equals("/dashboard")) {
      return new HttpAnswer(
          302,
          "text/plain; charset=utf-8",
          Map.of("Location", DashboardAssets.PREFIX),
          ByteString.EMPTY);
    }
    if (path.startsWith(DashboardAssets.PREFIX)) {
      if (!method.equals("GET") && !method.equals("HEAD")) {
        return notAllowed("GET, HEAD");
      }
      Optional<HttpAnswer> asset = assets.get(path, header.apply("If-None-Match"));
      return asset.orElseGet(() -> HttpAnswer.error(404, "NOT_FOUND", "no such file"));
    }
    if (path.equals(SESSION_PATH)) {
      return method.equals("GET")
          ? session.describe(header.apply("Authorization"))
          : notAllowed("GET");
    }
    if (path.startsWith(API_PREFIX)) {
      if (!method.equals("POST")) {
        return notAllowed("POST");
      }
      byte[] bytes;
      try (InputStream in = body.open()) {
        bytes = in.readNBytes(ManagementBridge.MAX_BODY_BYTES + 1);
      }
      return bridge.call(
          path.substring(API_PREFIX.length()), header.apply("Authorization"), client, bytes);
    }
    return HttpAnswer.error(404, "NOT_FOUND", "no such page");
  }

  /** Whether this class answers {@code path}; others belong to other handlers on the port. */
  public static boolean owns(String path) {
    return path.equals("/")
        || path.equals("/dashboard")
        || path.startsWith(DashboardAssets.PREFIX)
        || path.equals(SESSION_PATH)
        || path.startsWith(API_PREFIX);
  }

  private static HttpAnswer notAllowed(String allow) {
    HttpAnswer refused = HttpAnswer.error(405, "METHOD_NOT_ALLOWED", "allowed: " + allow);
    return new HttpAnswer(
        405,
        refused.contentType(),
        Map.of("Allow", allow, "Cache-Control", "no-store"),
        refused.body());
  }
}
