package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.UpstreamProtocol;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The node's carriers behind the one {@link UpstreamTransport} seam: each try goes to the carrier
 * of its cluster's {@link UpstreamProtocol}, chosen with one field read, so a plain request to an
 * HTTP/1.1 cluster stays on the lean carrier. Manages the carriers' life cycles. Thread-safe.
 */
public final class ProtocolTransports extends ContainerLifeCycle implements UpstreamTransport {
  private final UpstreamTransport http1;
  private final UpstreamTransport http2;

  /**
   * @param http1 carries tries to {@link UpstreamProtocol#HTTP1} clusters
   * @param http2 carries tries to {@link UpstreamProtocol#HTTP2} clusters
   */
  public ProtocolTransports(UpstreamTransport http1, UpstreamTransport http2) {
    this.http1 = requireNonNull(http1, "http1");
    this.http2 = requireNonNull(http2, "http2");
  }

  // The carriers are started and stopped here rather than added as beans: a bean would be in the
  // server's tree, where its parts' Graceful (Jetty's HTTP2Client keeps a graceful
  // SessionContainer)
  // would make the node's graceful stop wait for upstream h2 sessions to be closed by the backend,
  // which grpc-java's server does not do, so every stop took the full stop timeout. The stop comes
  // after the chain has drained the requests in flight.
  @Override
  protected void doStart() throws Exception {
    super.doStart();
    LifeCycle.start(http1);
    LifeCycle.start(http2);
  }

  @Override
  protected void doStop() throws Exception {
    LifeCycle.stop(http2);
    LifeCycle.stop(http1);
    super.doStop();
  }

  @Override
  public void send(UpstreamTry attempt) {
    if (attempt.cluster().protocol() == UpstreamProtocol.HTTP1) {
      http1.send(attempt);
    } else {
      http2.send(attempt);
    }
  }
}
