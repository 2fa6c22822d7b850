package dev.concierge.dataplane.chain;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The node's own error answers, all of one shape: {@code text/plain}, the reason on the first line,
 * the request id on the second (also in {@code X-Request-Id}) and, for a request of the chain, the
 * trace id on the third ({@code trace-id: }, the trace the backend would have seen), never an HTML
 * page. A gRPC call ({@link Grpc#isCall}) gets its error the gRPC way instead: HTTP 200,
 * trailers-only, {@code grpc-status} mapped from the HTTP status and the reason, request id and
 * trace id as {@code grpc-message}. Non-blocking.
 */
public final class ErrorAnswers {
  /** The response header that carries the request id. */
  public static final String REQUEST_ID = "X-Request-Id";

  private ErrorAnswers() {}

  /**
   * Writes {@code status} with {@code reason} (one line, no newline) and completes the callback.
   */
  public static void write(
      Request request, Response response, Callback callback, int status, String reason) {
    RequestContext context = request == null ? null : RequestContext.of(request);
    String id = context != null ? context.requestId() : RequestIds.next();
    response.getHeaders().put(REQUEST_ID, id);
    if (context != null) {
      // The route's CORS fields: a page may read the node's 401, 429 or 502 like a backend's.
      context.responseHead(response.getHeaders());
    }
    String traceId = context != null ? context.trace().traceId() : null;
    if (request != null && Grpc.isCall(request)) {
      Grpc.writeError(response, callback, status, reason, id, traceId);
      return;
    }
    String trace = traceId != null ? "trace-id: " + traceId + "\n" : "";
    PlainText.write(response, callback, status, reason + "\nrequest-id: " + id + "\n" + trace);
  }

  /** As {@link #write}, and asks for the client connection to be closed after the answer. */
  public static void writeAndClose(
      Request request, Response response, Callback callback, int status, String reason) {
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    write(request, response, callback, status, reason);
  }
}
