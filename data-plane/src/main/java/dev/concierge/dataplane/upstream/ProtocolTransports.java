package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.UpstreamProtocol;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import java.util.Set;
import java.util.function.Predicate;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The node's carriers behind the one {@link UpstreamTransport} seam: an HTTP/1.1 {@code Upgrade}
 * request (WebSocket) goes to the upgrade carrier, any other try to the carrier of its cluster's
 * {@link UpstreamProtocol}, chosen with one field read, so a plain request to an HTTP/1.1 cluster
 * stays on the lean carrier and pays one header check for the others being there. Manages the
 * carriers' life cycles. Thread-safe.
 */
public final class ProtocolTransports extends ContainerLifeCycle implements UpstreamTransport {
  private final UpstreamTransport http1;
  private final UpstreamTransport http2;
  private final UpstreamTransport upgrades;
  private final Predicate<Request> isUpgrade;

  /**
   * @param http1 carries tries to {@link UpstreamProtocol#HTTP1} clusters
   * @param http2 carries tries to {@link UpstreamProtocol#HTTP2} clusters
   * @param upgrades carries HTTP/1.1 {@code Upgrade} requests (WebSocket), whatever the cluster
   * @param isUpgrade tells an upgrade request: the one check every request pays for it
   */
  public ProtocolTransports(
      UpstreamTransport http1,
      UpstreamTransport http2,
      UpstreamTransport upgrades,
      Predicate<Request> isUpgrade) {
    this.http1 = requireNonNull(http1, "http1");
    this.http2 = requireNonNull(http2, "http2");
    this.upgrades = requireNonNull(upgrades, "upgrades");
    this.isUpgrade = requireNonNull(isUpgrade, "isUpgrade");
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
    LifeCycle.start(upgrades);
  }

  @Override
  protected void doStop() throws Exception {
    LifeCycle.stop(upgrades);
    LifeCycle.stop(http2);
    LifeCycle.stop(http1);
    super.doStop();
  }

  @Override
  public void retainTls(Set<UpstreamTlsPolicy> inForce) {
    http1.retainTls(inForce);
    http2.retainTls(inForce);
    upgrades.retainTls(inForce);
  }

  @Override
  public void send(UpstreamTry attempt) {
    if (isUpgrade.test(attempt.request())) {
      upgrades.send(attempt);
    } else if (attempt.cluster().protocol() == UpstreamProtocol.HTTP1) {
      http1.send(attempt);
    } else {
      http2.send(attempt);
    }
  }
}
