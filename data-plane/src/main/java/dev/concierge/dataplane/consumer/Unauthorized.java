package dev.concierge.dataplane.consumer;

import dev.concierge.dataplane.chain.ErrorAnswers;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The 401 and 403 answers of the authentication stages, through {@link ErrorAnswers}. */
final class Unauthorized {
  private Unauthorized() {}

  /** 401 with {@code challenge} as WWW-Authenticate; {@code reason} never holds a credential. */
  static boolean answer(
      Request request, Response response, Callback callback, String challenge, String reason) {
    response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, challenge);
    ErrorAnswers.write(request, response, callback, HttpStatus.UNAUTHORIZED_401, reason);
    return true;
  }

  /** 403: the consumer is known, but the route's policy does not allow it. */
  static boolean forbidden(Request request, Response response, Callback callback, String consumer) {
    ErrorAnswers.write(
        request,
        response,
        callback,
        HttpStatus.FORBIDDEN_403,
        "forbidden: consumer " + consumer + " may not use this route");
    return true;
  }
}
