package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.jspecify.annotations.Nullable;

/**
 * The TLS context of the node's HTTPS port: {@link TlsProfile}, certificates chosen per handshake
 * by {@link SniKeyManager} from the runtime in force, and an SNI matcher that refuses a name no
 * certificate covers with the {@code unrecognized_name} alert when no default certificate is marked
 * (RFC 6066 §3), instead of handing out an arbitrary certificate. A name whose certificate
 * authenticates clients gets an engine of its own {@link ClientAuthContext} ({@link
 * #newSSLEngine(InetSocketAddress, String)}); every other name's engine asks for no client
 * certificate.
 */
public final class NodeSslContextFactory extends SslContextFactory.Server {
  private final Supplier<CertificateIndex> index;
  private final SNIMatcher matcher = new KnownNames(null);

  private NodeSslContextFactory(Supplier<CertificateIndex> index, SSLContext context) {
    this.index = index;
    setSslContext(context);
    TlsProfile.applyTo(this);
  }

  /** A factory serving the certificates {@code index} supplies at each handshake. */
  public static NodeSslContextFactory of(Supplier<CertificateIndex> index) {
    requireNonNull(index, "index");
    TlsProfile.applyProcessDefaults();
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new SniKeyManager(index)}, null, null);
      return new NodeSslContextFactory(index, context);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS context", e);
    }
  }

  /** Whether the runtime in force has a certificate that authenticates clients. */
  public boolean usesClientAuth() {
    return index.get().usesClientAuth();
  }

  /**
   * A server engine for a connection whose ClientHello named {@code host} (null: no SNI, or it
   * could not be read): when that name's certificate authenticates clients, an engine of its {@link
   * ClientAuthContext} that needs or wants a client certificate; otherwise the usual engine, which
   * asks for none.
   */
  public SSLEngine newSSLEngine(InetSocketAddress remote, @Nullable String host) {
    ClientAuthContext auth = index.get().clientAuth(host);
    if (auth == null) {
      return newSSLEngine(remote);
    }
    SSLEngine engine = auth.context().createSSLEngine(remote.getHostString(), remote.getPort());
    // The node's profile and SNI matcher, as on every engine, then this name's client auth and a
    // matcher that holds the handshake to the name this engine was configured for.
    customize(engine);
    SSLParameters parameters = engine.getSSLParameters();
    auth.policy().applyTo(parameters);
    parameters.setSNIMatchers(List.of(new KnownNames(auth.certificateName())));
    engine.setSSLParameters(parameters);
    return engine;
  }

  @Override
  public SSLParameters customize(SSLParameters parameters) {
    SSLParameters customized = super.customize(parameters);
    customized.setSNIMatchers(List.of(matcher));
    return customized;
  }

  /**
   * Accepts a host name that some certificate (or the default one) answers for, and whose client
   * authentication is the one the engine was configured with ({@code clientAuthOf}: that of the
   * named certificate resource; null: none). The second check keeps the handshake to what the
   * ClientHello peek decided, should the JDK ever read a name the peek did not, or a rotation turn
   * client authentication on in between: such a handshake fails rather than skip it.
   */
  private final class KnownNames extends SNIMatcher {
    private final @Nullable String clientAuthOf;

    KnownNames(@Nullable String clientAuthOf) {
      super(StandardConstants.SNI_HOST_NAME);
      this.clientAuthOf = clientAuthOf;
    }

    @Override
    public boolean matches(SNIServerName name) {
      if (!(name instanceof SNIHostName host)) {
        return false;
      }
      CertificateIndex current = index.get();
      String ascii = host.getAsciiName();
      if (!current.accepts(ascii)) {
        return false;
      }
      ClientAuthContext auth = current.clientAuth(ascii);
      return auth == null ? clientAuthOf == null : auth.certificateName().equals(clientAuthOf);
    }
  }
}
