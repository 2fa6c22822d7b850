package dev.concierge.dataplane.chain;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * What the node knows of gRPC: which requests are gRPC calls (HTTP/2 or HTTP/3 with {@code
 * content-type: application/grpc[+proto|...]}, checked only after the protocol version, so an
 * HTTP/1.1 request pays one field read), the call's own deadline ({@code grpc-timeout}), and the
 * node's own errors as gRPC answers: HTTP 200, "trailers-only" ({@code grpc-status} and {@code
 * grpc-message} in the header block, no body), as gRPC clients expect of a proxy
 * (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md). Stateless.
 */
public final class Grpc {
  /** gRPC status codes the node answers with. */
  public static final int DEADLINE_EXCEEDED = 4;

  public static final int RESOURCE_EXHAUSTED = 8;
  public static final int UNIMPLEMENTED = 12;
  public static final int INTERNAL = 13;
  public static final int UNAVAILABLE = 14;
  public static final int UNAUTHENTICATED = 16;
  public static final int PERMISSION_DENIED = 7;
  public static final int UNKNOWN = 2;

  private static final String CONTENT_TYPE = "application/grpc";
  private static final String TIMEOUT = "grpc-timeout";

  private Grpc() {}

  /** Whether {@code request} is a gRPC call. */
  public static boolean isCall(Request request) {
    if (!BodyFraming.isMultiplexed(request)) {
      return false;
    }
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    return type != null && type.regionMatches(true, 0, CONTENT_TYPE, 0, CONTENT_TYPE.length());
  }

  /**
   * The call's {@code grpc-timeout} in milliseconds (at least 1), or -1 when it has none or an
   * unreadable one. Format: 1-8 digits and a unit of H, M, S, m, u or n.
   */
  public static long timeoutMillis(Request request) {
    String value = request.getHeaders().get(TIMEOUT);
    return value == null ? -1 : parseTimeoutMillis(value);
  }

  /** A {@code grpc-timeout} value in milliseconds (at least 1), or -1 when unreadable. */
  static long parseTimeoutMillis(String value) {
    if (value.length() < 2 || value.length() > 9) {
      return -1;
    }
    long amount = 0;
    for (int i = 0; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      amount = amount * 10 + (c - '0');
    }
    long millis =
        switch (value.charAt(value.length() - 1)) {
          case 'H' -> amount * 3_600_000L;
          case 'M' -> amount * 60_000L;
          case 'S' -> amount * 1000L;
          case 'm' -> amount;
          case 'u' -> amount / 1000L;
          case 'n' -> amount / 1_000_000L;
          default -> -1;
        };
    return millis < 0 ? -1 : Math.max(1, millis);
  }

  /** The gRPC status for an HTTP status the node answers with (gRPC's HTTP mapping). */
  public static int statusOf(int httpStatus) {
    return switch (httpStatus) {
      case HttpStatus.NOT_FOUND_404, HttpStatus.METHOD_NOT_ALLOWED_405 -> UNIMPLEMENTED;
      case HttpStatus.GATEWAY_TIMEOUT_504, HttpStatus.REQUEST_TIMEOUT_408 -> DEADLINE_EXCEEDED;
      case HttpStatus.BAD_GATEWAY_502,
          HttpStatus.SERVICE_UNAVAILABLE_503,
          HttpStatus.TOO_MANY_REQUESTS_429 ->
          UNAVAILABLE;
      case HttpStatus.PAYLOAD_TOO_LARGE_413 -> RESOURCE_EXHAUSTED;
      case HttpStatus.UNAUTHORIZED_401 -> UNAUTHENTICATED;
      case HttpStatus.FORBIDDEN_403 -> PERMISSION_DENIED;
      case HttpStatus.BAD_REQUEST_400, HttpStatus.INTERNAL_SERVER_ERROR_500 -> INTERNAL;
      default -> UNKNOWN;
    };
  }

  /**
   * Answers the call trailers-only with the gRPC status for {@code httpStatus} and {@code message}
   * (percent-encoded as gRPC requires), and completes the callback. The message ends in the request
   * id and, for a request of the chain, the trace id, as the node's plain-text answers carry them:
   * {@code no route (request-id 5f0c29e1-1a, trace-id 4bf92f…)}, what a gRPC client shows.
   *
   * @param traceId the trace the call belongs to, or {@code null} outside the chain
   */
  public static void writeError(
      Response response,
      Callback callback,
      int httpStatus,
      String message,
      String requestId,
      @Nullable String traceId) {
    response.setStatus(HttpStatus.OK_200);
    HttpFields.Mutable headers = response.getHeaders();
    headers.put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
    headers.put(new HttpField("grpc-status", Integer.toString(statusOf(httpStatus))));
    String ids =
        traceId == null
            ? " (request-id " + requestId + ")"
            : " (request-id " + requestId + ", trace-id " + traceId + ")";
    headers.put(new HttpField("grpc-message", percentEncode(message + ids)));
    response.write(true, ByteBuffer.allocate(0), callback);
  }

  /** gRPC's percent-encoding of grpc-message: printable ASCII but '%' as is, the rest as %XX. */
  static String percentEncode(String message) {
    StringBuilder out = new StringBuilder(message.length());
    for (byte b : message.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if (c >= 0x20 && c < 0x7F && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }
}
