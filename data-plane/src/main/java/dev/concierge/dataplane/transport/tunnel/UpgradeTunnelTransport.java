package dev.concierge.dataplane.transport.tunnel;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import dev.concierge.dataplane.upstream.UpstreamOutcome;
import dev.concierge.dataplane.upstream.UpstreamTransport;
import dev.concierge.dataplane.upstream.UpstreamTry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.ClientConnectionFactory;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.component.ContainerLifeCycle;

/**
 * {@link UpstreamTransport} for HTTP/1.1 {@code Upgrade} requests (WebSocket): sends the handshake
 * to the endpoint on a connection of its own (the route's {@link
 * dev.concierge.dataplane.upstream.RequestRewrite}, with {@code Connection: Upgrade} and the
 * client's {@code Upgrade} put back), and when the backend answers 101, answers the client 101 with
 * the backend's headers ({@code Sec-WebSocket-Accept}, {@code -Protocol}, {@code -Extensions} ...)
 * and joins the two connections into a byte tunnel ({@link Splice}). Any other answer is relayed as
 * a response. Frames, extensions, pings and close codes pass untouched: client and backend
 * negotiate them with each other. To a cluster with a TLS policy the connection is TLS, verified as
 * the cluster's requests are, and the tunnel runs on the decrypted endpoint.
 *
 * <p>A tunnel is closed when either leg fails or has been idle for the route's idle timeout, or
 * {@link Settings#idleTimeout()} when the route has none; a half-close travels on. A failure before
 * the 101 is reported to the try, which answers it (502 when the backend refuses). Thread-safe,
 * non-blocking.
 */
public final class UpgradeTunnelTransport extends ContainerLifeCycle implements UpstreamTransport {
  /** The longest connect timeout a cluster may have: each connect schedules its cluster's. */
  private static final Duration MAX_CONNECT_TIMEOUT = Duration.ofSeconds(60);

  /** Tuning of tunnels. */
  public record Settings(Duration idleTimeout, int bufferSize) {
    public Settings {
      requireNonNull(idleTimeout, "idleTimeout");
    }

    /** 60 s idle in either leg closes the tunnel; 16 KiB reads. */
    public static Settings defaults() {
      return new Settings(Duration.ofSeconds(60), 16 * 1024);
    }
  }

  private final Server server;
  private final Settings settings;
  private final ClientConnector connector = new ClientConnector();

  public UpgradeTunnelTransport(Server server, Settings settings) {
    this.server = requireNonNull(server, "server");
    this.settings = requireNonNull(settings, "settings");
    connector.setConnectTimeout(MAX_CONNECT_TIMEOUT);
    connector.setIdleTimeout(settings.idleTimeout());
    addBean(connector, true);
  }

  /**
   * Whether {@code request} asks to switch protocols on its HTTP/1.1 connection: the one check an
   * HTTP/1.1 request pays for this carrier (a GET without {@code Upgrade} fails it on the header
   * scan).
   */
  public static boolean isUpgrade(Request request) {
    return request.getHeaders().contains(HttpHeader.UPGRADE)
        && request.getConnectionMetaData().getHttpVersion() == HttpVersion.HTTP_1_1;
  }

  @Override
  protected void doStart() throws Exception {
    connector.setExecutor(server.getThreadPool());
    connector.setScheduler(server.getScheduler());
    connector.setByteBufferPool(server.getByteBufferPool());
    super.doStart();
  }

  Settings settings() {
    return settings;
  }

  @Override
  public void send(UpstreamTry attempt) {
    Endpoint endpoint = attempt.endpoint();
    Handshake handshake =
        new Handshake(this, attempt, server.getByteBufferPool(), server.getThreadPool());
    Map<String, Object> context = new HashMap<>();
    context.put(Transport.CONTEXT_KEY, Transport.TCP_IP);
    UpstreamTlsPolicy tls = attempt.cluster().tls();
    context.put(
        ClientConnectionFactory.CONTEXT_KEY,
        (ClientConnectionFactory)
            (endPoint, ctx) ->
                tls == null
                    ? handshake.open(endPoint)
                    : handshake.openTls(endPoint, tls.newEngine(endpoint)));
    context.put(
        ClientConnector.CONNECTION_PROMISE_CONTEXT_KEY,
        new Promise<Connection>() {
          @Override
          public void failed(Throwable failure) {
            handshake.connectFailed(failure);
          }
        });
    handshake.connectTimer(
        server
            .getScheduler()
            .schedule(
                handshake::connectTimedOut,
                attempt.cluster().connectTimeout().toMillis(),
                TimeUnit.MILLISECONDS));
    try {
      connector.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), context);
    } catch (RuntimeException e) {
      attempt.failed(UpstreamOutcome.REFUSED, e, false, false);
    }
  }
}
