package dev.concierge.dataplane.server;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.ErrorAnswers;
import dev.concierge.dataplane.chain.Meter;
import dev.concierge.dataplane.chain.RequestContext;
import java.util.Locale;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The proxy port's answers to what never reaches the handler chain (a malformed request line, a
 * header block too large, a URI too long: 400, 431, 414) and to failures Jetty itself answers: the
 * node's own short text answer with a request id and trace id ({@link ErrorAnswers}), never Jetty's
 * HTML page. Unless the chain already counted the request, the answer completes a context of its
 * own, made as the chain makes them: it is counted on the unrouted meter and written to the access
 * log like any other answer. Thread-safe.
 */
public final class NodeErrorHandler extends ErrorHandler {
  /** Makes the context an answer completes: the chain's outermost stage's ({@code start}). */
  @FunctionalInterface
  public interface Contexts {
    /** A new context of {@code request}, completing {@code callback}. */
    RequestContext start(Request request, Response response, Callback callback);
  }

  private final Contexts contexts;

  /** Counts answers on {@code unrouted} alone, logging nothing (tests, tools). */
  public NodeErrorHandler(Meter unrouted) {
    this(countingOn(requireNonNull(unrouted, "unrouted")));
  }

  /** Counts and logs answers through the contexts {@code contexts} makes. */
  public NodeErrorHandler(Contexts contexts) {
    this.contexts = requireNonNull(contexts, "contexts");
  }

  private static Contexts countingOn(Meter unrouted) {
    return (request, response, callback) ->
        new RequestContext(request, response, callback, unrouted, System::nanoTime);
  }

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      String message,
      Throwable cause,
      Callback callback) {
    if (request.getAttribute(RequestContext.COUNTED) != null) {
      ErrorAnswers.write(request, response, callback, code, reason(code));
      return;
    }
    RequestContext context = contexts.start(request, response, callback);
    ErrorAnswers.write(context, response, context, code, reason(code));
  }

  private static String reason(int code) {
    return switch (code) {
      case HttpStatus.BAD_REQUEST_400 -> "bad request";
      case HttpStatus.URI_TOO_LONG_414 -> "request URI too long";
      case HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE_431 -> "request header fields too large";
      case HttpStatus.PAYLOAD_TOO_LARGE_413 -> "request body too large";
      case HttpStatus.INTERNAL_SERVER_ERROR_500 -> "internal error";
      default -> {
        String text = HttpStatus.getMessage(code);
        yield text == null ? "error" : text.toLowerCase(Locale.ROOT);
      }
    };
  }
}
