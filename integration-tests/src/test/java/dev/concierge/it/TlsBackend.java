package dev.concierge.it;

import java.security.KeyStore;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * An HTTPS/1.1 backend on 127.0.0.1:0 serving a certificate of a {@link TestCa}, answering every
 * request with its name (and the subject of the client certificate, if any) and counting the
 * connections clients opened; optionally requires a client certificate from a CA.
 */
final class TlsBackend implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger closedConnections = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();

  private final AtomicInteger healthChecks = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicReference<String> lastVersion =
      new java.util.concurrent.atomic.AtomicReference<>("");

  private TlsBackend(
      String name, TestCa.Issued certificate, @Nullable KeyStore clientTrust, boolean h2)
      throws Exception {
    server = new Server();
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(certificate.keyStore());
    ssl.setKeyStorePassword("secret");
    // The server's name check is ours to test, not Jetty's SNI host check.
    ssl.setSniRequired(false);
    if (clientTrust != null) {
      ssl.setTrustStore(clientTrust);
      ssl.setNeedClientAuth(true);
    }
    HttpConfiguration http = new HttpConfiguration();
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false);
    http.addCustomizer(secure);
    connector =
        h2
            ? new ServerConnector(
                server,
                new SslConnectionFactory(ssl, "alpn"),
                new ALPNServerConnectionFactory("h2"),
                new HTTP2ServerConnectionFactory(http))
            : new ServerConnector(
                server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.addEventListener(
        new Connection.Listener() {
          @Override
          public void onOpened(Connection connection) {
            if (connection instanceof SslConnection) {
              connections.incrementAndGet();
            }
          }

          @Override
          public void onClosed(Connection connection) {
            if (connection instanceof SslConnection) {
              closedConnections.incrementAndGet();
            }
          }
        });
    server.addConnector(connector);
    server.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            if (request.getHttpURI().getPath().equals("/healthz")) {
              healthChecks.incrementAndGet();
            } else {
              requests.incrementAndGet();
            }
            lastVersion.set(request.getConnectionMetaData().getProtocol());
            EndPoint.SslSessionData tls =
                request.getConnectionMetaData().getConnection().getEndPoint().getSslSessionData();
            java.security.cert.X509Certificate[] chain =
                tls == null ? null : tls.peerCertificates();
            String client =
                chain != null && chain.length > 0
                    ? chain[0].getSubjectX500Principal().getName()
                    : "none";
            response.getHeaders().put("X-Client-Certificate", client);
            Content.Sink.write(response, true, name, callback);
            return true;
          }
        });
    server.start();
  }

  /** A backend serving {@code certificate}. */
  static TlsBackend start(String name, TestCa.Issued certificate) throws Exception {
    return new TlsBackend(name, certificate, null, false);
  }

  /** A backend speaking h2 only, chosen by ALPN. */
  static TlsBackend h2(String name, TestCa.Issued certificate) throws Exception {
    return new TlsBackend(name, certificate, null, true);
  }

  /** A backend that also requires a client certificate issued by {@code clientCa}. */
  static TlsBackend requiringClientCertificate(
      String name, TestCa.Issued certificate, TestCa clientCa) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", clientCa.certificate());
    return new TlsBackend(name, certificate, trust, false);
  }

  int port() {
    return connector.getLocalPort();
  }

  /** TLS connections clients have opened so far. */
  int connections() {
    return connections.get();
  }

  /** TLS connections closed so far (by either side). */
  int closedConnections() {
    return closedConnections.get();
  }

  /** Requests other than "/healthz". */
  int requests() {
    return requests.get();
  }

  /** Requests to "/healthz". */
  int healthChecks() {
    return healthChecks.get();
  }

  /** The protocol of the last request, e.g. "HTTP/2.0". */
  String lastVersion() {
    return lastVersion.get();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
