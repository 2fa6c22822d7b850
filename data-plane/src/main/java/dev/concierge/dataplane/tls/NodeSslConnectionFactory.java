package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLEngine;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.jspecify.annotations.Nullable;

/**
 * The TLS connections of the node's HTTPS port. The JDK fixes whether a handshake asks for a client
 * certificate (and which CAs it trusts) when the handshake starts, before the SNI matcher or key
 * manager runs, so a name with client authentication needs its engine configured before the first
 * byte reaches it: while the runtime in force has such a certificate, each connection first reads
 * the ClientHello ({@link ClientHelloSni}), without consuming it, and then gets the engine for the
 * name it carries ({@link NodeSslContextFactory#newSSLEngine(InetSocketAddress, String)}), which
 * takes over the bytes read. A ClientHello that cannot be read gets the engine for no SNI and fails
 * its handshake as it would have anyway. Without client authentication in the runtime, connections
 * go straight to Jetty's TLS connection: no peek, no cost.
 */
public final class NodeSslConnectionFactory extends SslConnectionFactory {
  private final NodeSslContextFactory tls;
  private final HandshakeMeter handshakes = new HandshakeMeter();

  /** A factory of TLS connections with {@code tls}, handing the plaintext to {@code next}. */
  public NodeSslConnectionFactory(NodeSslContextFactory tls, String next) {
    super(requireNonNull(tls, "tls"), requireNonNull(next, "next"));
    this.tls = tls;
    // configure() gives each TLS connection the factory's handshake listeners.
    addBean(handshakes);
  }

  /** The handshakes of the connections this factory made. */
  public HandshakeMeter handshakes() {
    return handshakes;
  }

  @Override
  public Connection newConnection(Connector connector, EndPoint endPoint) {
    if (tls.usesClientAuth()
        && endPoint.getRemoteSocketAddress() instanceof InetSocketAddress remote) {
      // Not configure()d: the connection listeners see the TLS connection this one becomes.
      return new ClientHelloConnection(connector, endPoint, remote);
    }
    return super.newConnection(connector, endPoint);
  }

  /** What {@link SslConnectionFactory#newConnection} builds, with the engine for {@code host}. */
  private SslConnection secure(
      Connector connector, EndPoint endPoint, InetSocketAddress remote, @Nullable String host) {
    SSLEngine engine = tls.newSSLEngine(remote, host);
    engine.setUseClientMode(false);
    SslConnection ssl = newSslConnection(connector, endPoint, engine);
    ssl.setRenegotiationAllowed(tls.isRenegotiationAllowed());
    ssl.setRenegotiationLimit(tls.getRenegotiationLimit());
    configure(ssl, connector, endPoint);
    ConnectionFactory next = connector.getConnectionFactory(getNextProtocol());
    EndPoint plaintext = ssl.getSslEndPoint();
    plaintext.setConnection(next.newConnection(connector, plaintext));
    return ssl;
  }

  /**
   * Reads the start of a connection until its ClientHello's SNI is known (or known to be absent or
   * unreadable), then upgrades the endpoint to the TLS connection for that name, passing on every
   * byte read. Bounded by {@link ClientHelloSni#MAX_RECORD_BYTES}; a client that stalls meets the
   * connector's idle timeout as in any handshake.
   */
  private final class ClientHelloConnection extends AbstractConnection
      implements Connection.UpgradeFrom {
    private final Connector connector;
    private final InetSocketAddress remote;
    private final RetainableByteBuffer pooled;
    // Flush mode (position..limit holds what was read), never larger than the parser's bound.
    private final ByteBuffer read;
    private final AtomicBoolean released = new AtomicBoolean();

    ClientHelloConnection(Connector connector, EndPoint endPoint, InetSocketAddress remote) {
      super(endPoint, connector.getExecutor());
      this.connector = connector;
      this.remote = remote;
      this.pooled = connector.getByteBufferPool().acquire(ClientHelloSni.MAX_RECORD_BYTES, false);
      ByteBuffer whole = pooled.getByteBuffer();
      whole.clear();
      this.read = whole.slice(0, ClientHelloSni.MAX_RECORD_BYTES);
      this.read.limit(0);
    }

    @Override
    public void onOpen() {
      super.onOpen();
      fillInterested();
    }

    @Override
    public void onFillable() {
      try {
        while (true) {
          int filled = getEndPoint().fill(read);
          if (filled < 0) {
            release();
            getEndPoint().close();
            return;
          }
          ClientHelloSni.Result hello = ClientHelloSni.parse(read);
          if (hello.status() == ClientHelloSni.Status.NEED_MORE) {
            if (filled == 0) {
              fillInterested();
              return;
            }
            continue;
          }
          String host = hello.status() == ClientHelloSni.Status.FOUND ? hello.host() : null;
          getEndPoint().upgrade(secure(connector, getEndPoint(), remote, host));
          return;
        }
      } catch (Throwable x) {
        release();
        getEndPoint().close(x);
      }
    }

    @Override
    public @Nullable ByteBuffer onUpgradeFrom() {
      ByteBuffer unconsumed = null;
      if (read.hasRemaining()) {
        unconsumed = ByteBuffer.allocate(read.remaining());
        unconsumed.put(read).flip();
      }
      release();
      return unconsumed;
    }

    @Override
    public void onClose(@Nullable Throwable cause) {
      release();
      super.onClose(cause);
    }

    private void release() {
      if (released.compareAndSet(false, true)) {
        pooled.release();
      }
    }
  }
}
