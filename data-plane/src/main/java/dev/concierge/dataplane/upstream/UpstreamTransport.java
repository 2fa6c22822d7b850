package dev.concierge.dataplane.upstream;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The one seam between the handler chain and the wire: streams a request to the chosen endpoint
 * and the response back. Nothing above it knows which implementation carried a request.
 *
 * <p>Implementations must not block, must complete {@code callback} exactly once, and must report
 * the outcome to {@link UpstreamTarget#outcomes()} exactly once. On failure before the response is
 * committed they answer 502 ({@code upstream connection refused}, {@code upstream connection
 * reset}, {@code upstream error}) or 504 ({@code upstream timed out}); after it is committed they
 * fail the callback, which aborts the client connection.
 */
public interface UpstreamTransport {
  /** Forwards the exchange to {@code target}. */
  void forward(UpstreamTarget target, Request request, Response response, Callback callback);
}
