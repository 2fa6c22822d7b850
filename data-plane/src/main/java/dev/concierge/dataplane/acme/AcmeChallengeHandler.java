package dev.concierge.dataplane.acme;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.PlainText;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Request path, before routing: answers {@code GET /.well-known/acme-challenge/TOKEN} of a pending
 * ACME order with its key authorization (200, text/plain), on every host and before any route's
 * redirect to HTTPS, so the ACME server finds it on whichever node it reaches. Anything else,
 * unknown tokens included, goes on to routing. With no order pending (nearly always) it costs one
 * read of the runtime and one boolean field; no path is looked at.
 *
 * <p>Completes the callback itself only when it answers. Non-blocking.
 */
public final class AcmeChallengeHandler extends Handler.Wrapper {
  private final Supplier<AcmeChallenges> challenges;

  /**
   * @param challenges the challenges of the runtime in force, read once per request
   */
  public AcmeChallengeHandler(Supplier<AcmeChallenges> challenges, Handler next) {
    super(next);
    this.challenges = requireNonNull(challenges, "challenges");
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    AcmeChallenges pending = challenges.get();
    if (pending.isEmpty()) {
      return super.handle(request, response, callback);
    }
    String method = request.getMethod();
    if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
      return super.handle(request, response, callback);
    }
    String answer = pending.answer(request.getHttpURI().getPath());
    if (answer == null) {
      return super.handle(request, response, callback);
    }
    PlainText.write(response, callback, HttpStatus.OK_200, "text/plain", answer);
    return true;
  }
}
