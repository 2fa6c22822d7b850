package dev.concierge.dataplane.transport.jetty;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.eclipse.jetty.io.Transport;

/**
 * TCP to one endpoint's address whatever the request URI's host: an HTTP/2 request carries its Host
 * as {@code :authority}, which RFC 9113 (and Jetty's server) requires to equal the Host, so the URI
 * names the Host sent while this transport names where to connect. Part of the destination key, so
 * connections are pooled per endpoint and authority. Immutable.
 */
public final class EndpointTransport extends Transport.Wrapper {
  private final InetSocketAddress address;

  /** A transport to {@code address}. */
  public EndpointTransport(InetSocketAddress address) {
    super(Transport.TCP_IP);
    this.address = requireNonNull(address, "address");
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
  public boolean equals(Object o) {
    return o instanceof EndpointTransport other && other.address.equals(address);
  }

  @Override
  public int hashCode() {
    return address.hashCode();
  }

  @Override
  public String toString() {
    return "tcp " + address;
  }
}
