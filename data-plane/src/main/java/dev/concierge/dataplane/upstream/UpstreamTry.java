package dev.concierge.dataplane.upstream;

import dev.concierge.dataplane.chain.RequestContext;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.jspecify.annotations.Nullable;

/**
 * One try of a request at one endpoint, as {@link UpstreamHandler} hands it to a transport: what to
 * send where, and whom to tell how it ended. The transport calls exactly one of {@link #failed} and
 * {@link #completed}, once, and keeps no reference after that: a new try may reuse this object.
 */
public interface UpstreamTry {
  /** The client request (body included). */
  Request request();

  /** The client request's context (the route's stages may edit the response head). */
  RequestContext context();

  /** The client response the upstream response is relayed into. */
  Response response();

  /** The cluster of the endpoint (connect timeout). */
  CompiledCluster cluster();

  /** The endpoint to try. */
  Endpoint endpoint();

  /** The route's rewrite of path and headers. */
  RequestRewrite rewrite();

  /**
   * Time allowed to this try from sending to the end of the response, in milliseconds: the route's
   * time left or the per-try timeout, whichever is shorter.
   */
  long timeoutMillis();

  /**
   * Longest time without a byte either way on the try's upstream connection, in milliseconds, or 0
   * when only {@link #timeoutMillis()} applies. Reported as a timeout.
   */
  long idleTimeoutMillis();

  /**
   * Asked by the transport when the final response head arrives, before any of it is committed to
   * the client: whether the handler will try the request again rather than relay this response.
   * When true, the transport drops the response (closing or draining its connection; none of its
   * headers may reach the client) and reports {@link UpstreamOutcome#STATUS} to {@link #failed}. At
   * most once per try.
   */
  boolean retryOnStatus(int status);

  /** Whether to open a new connection rather than take a pooled one (a pooled one just failed). */
  boolean freshConnection();

  /**
   * The try ended without a response: no byte of it was committed to the client (headers the
   * transport may have set are reset by the handler). The handler decides what follows.
   *
   * @param reusedConnection whether the try ran on a pooled connection
   * @param bodyTouched whether any of the request body was read for this try
   */
  void failed(
      UpstreamOutcome outcome, Throwable cause, boolean reusedConnection, boolean bodyTouched);

  /**
   * The response was relayed: in full ({@code failure == null}), or cut after its head was
   * committed to the client (by upstream or by the client going away).
   */
  void completed(@Nullable Throwable failure);
}
