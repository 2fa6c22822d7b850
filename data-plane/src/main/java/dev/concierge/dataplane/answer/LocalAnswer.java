package dev.concierge.dataplane.answer;

import dev.concierge.dataplane.chain.PolicyKey;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A route's answer that the node writes itself instead of forwarding: a redirect or a direct
 * response. Immutable, thread-safe, non-blocking.
 */
public interface LocalAnswer {
  /** Routes that forward have none: their requests go on to the upstream stages. */
  LocalAnswer NONE =
      (request, response, callback) -> {
        throw new IllegalStateException("a route without a local answer was answered locally");
      };

  /** The per-route slot of this policy. */
  PolicyKey<LocalAnswer> KEY = PolicyKey.of("local answer", LocalAnswer.class, NONE);

  /** Writes the answer and completes the callback. */
  void write(Request request, Response response, Callback callback);
}
