package dev.concierge.dataplane.transport.jetty;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.io.ssl.SslClientConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * TCP to one endpoint's address, as {@link EndpointTransport}, whose TLS handshake names {@code
 * peerHost} (the cluster's server name, or the endpoint's host) whatever the request URI's host:
 * the name sent as SNI and verified against the endpoint's certificate, as on the lean carrier.
 * Part of the destination key with it. Immutable.
 */
final class TlsEndpointTransport extends Transport.Wrapper {
  private static final String PEER_HOST = TlsEndpointTransport.class.getName() + ".peerHost";

  private final InetSocketAddress address;
  private final String peerHost;

  TlsEndpointTransport(InetSocketAddress address, String peerHost) {
    super(Transport.TCP_IP);
    this.address = requireNonNull(address, "address");
    this.peerHost = requireNonNull(peerHost, "peerHost");
  }

  @Override
  public boolean requiresDomainNameResolution() {
    return false;
  }

  @Override
  public SocketAddress getSocketAddress() {
    return address;
  }

  @Override
  public void connect(SocketAddress address, Map<String, Object> context) {
    context.put(PEER_HOST, peerHost);
    super.connect(address, context);
  }

  /**
   * A client TLS factory whose engines name the peer host of the connection's {@link
   * TlsEndpointTransport} (Jetty would name the address connected to).
   */
  static final class Factory extends SslContextFactory.Client
      implements SslClientConnectionFactory.SslEngineFactory {
    @Override
    public SSLEngine newSslEngine(String host, int port, Map<String, Object> context) {
      Object peer = context.get(PEER_HOST);
      return newSSLEngine(peer instanceof String name ? name : host, port);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlsEndpointTransport other
        && other.address.equals(address)
        && other.peerHost.equals(peerHost);
  }

  @Override
  public int hashCode() {
    return address.hashCode() * 31 + peerHost.hashCode();
  }

  @Override
  public String toString() {
    return "tls " + peerHost + " at " + address;
  }
}
