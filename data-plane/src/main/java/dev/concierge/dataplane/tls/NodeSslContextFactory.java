package dev.concierge.dataplane.tls;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.StandardConstants;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The TLS context of the node's HTTPS port: {@link TlsProfile}, certificates chosen per handshake
 * by {@link SniKeyManager} from the runtime in force, and an SNI matcher that refuses a name no
 * certificate covers with the {@code unrecognized_name} alert when no default certificate is marked
 * (RFC 6066 §3), instead of handing out an arbitrary certificate.
 */
public final class NodeSslContextFactory extends SslContextFactory.Server {
  private final Supplier<CertificateIndex> index;
  private final SNIMatcher matcher = new KnownNames();

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

  @Override
  public SSLParameters customize(SSLParameters parameters) {
    SSLParameters customized = super.customize(parameters);
    customized.setSNIMatchers(List.of(matcher));
    return customized;
  }

  /** Accepts a host name that some certificate (or the default one) answers for. */
  private final class KnownNames extends SNIMatcher {
    KnownNames() {
      super(StandardConstants.SNI_HOST_NAME);
    }

    @Override
    public boolean matches(SNIServerName name) {
      return name instanceof SNIHostName host && index.get().accepts(host.getAsciiName());
    }
  }
}
