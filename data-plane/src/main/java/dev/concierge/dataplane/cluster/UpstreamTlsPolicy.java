package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.UpstreamTlsRules;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.UpstreamTls;
import dev.concierge.dataplane.tls.CertificateCompiler;
import dev.concierge.dataplane.tls.ServedCertificate;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.jspecify.annotations.Nullable;

/**
 * A cluster's TLS to its endpoints, compiled from {@code Cluster.tls}: one {@link SSLContext} (the
 * trust of a CA bundle or the JVM's system trust store, and the optional client certificate) built
 * when the config is compiled, from which each new upstream connection takes an {@link SSLEngine}
 * in client mode speaking TLS 1.3 or 1.2, with SNI and hostname verification (HTTPS endpoint
 * identification) unless verification is skipped. Connections are pooled per policy, so one
 * unchanged across config versions (the compiler reuses it) keeps its warm connections. Immutable.
 */
public final class UpstreamTlsPolicy {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SSLContext context;
  private final @Nullable String serverName;
  private final boolean verify;
  private final String description;

  private UpstreamTlsPolicy(
      SSLContext context, @Nullable String serverName, boolean verify, String description) {
    this.context = requireNonNull(context, "context");
    this.serverName = serverName;
    this.verify = verify;
    this.description = requireNonNull(description, "description");
  }

  /**
   * Compiles {@code tls}; {@code clientCertificate} is the certificate it names, with its key (null
   * when it names none). Throws, saying why, when the bundle or the key pair is unusable.
   */
  public static UpstreamTlsPolicy of(UpstreamTls tls, @Nullable Certificate clientCertificate)
      throws GeneralSecurityException {
    TrustManager[] trust;
    String trusted;
    if (tls.getInsecureSkipVerify()) {
      trust = new TrustManager[] {new TrustingAnything()};
      trusted = "no verification";
    } else {
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (tls.getCaBundle().isEmpty()) {
        factory.init((KeyStore) null);
        trusted = "system trust";
      } else {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try {
          store.load(null, null);
        } catch (IOException e) {
          throw new GeneralSecurityException(e);
        }
        List<X509Certificate> cas = UpstreamTlsRules.caCertificates(tls.getCaBundle());
        for (int i = 0; i < cas.size(); i++) {
          store.setCertificateEntry("ca-" + i, cas.get(i));
        }
        factory.init(store);
        trusted = cas.size() + " CA certificate(s)";
      }
      trust = factory.getTrustManagers();
    }
    KeyManager[] keys = null;
    if (clientCertificate != null) {
      keys = keyManagers(clientCertificate);
    }
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keys, trust, null);
    String serverName =
        tls.getServerName().isEmpty() ? null : tls.getServerName().toLowerCase(Locale.ROOT);
    return new UpstreamTlsPolicy(
        context,
        serverName,
        !tls.getInsecureSkipVerify(),
        "tls ("
            + trusted
            + (serverName == null ? "" : ", name " + serverName)
            + (clientCertificate == null ? "" : ", client " + clientCertificate.getName())
            + ")");
  }

  /**
   * The name {@code endpoint}'s certificate must carry and SNI names: the server name, else the
   * endpoint's host (an IP literal, checked against the IP SANs, goes without SNI).
   */
  public String peerHost(Endpoint endpoint) {
    if (serverName != null) {
      return serverName;
    }
    String host = endpoint.host();
    if (host.startsWith("[")) {
      return host.substring(1, host.length() - 1);
    }
    return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
  }

  /** A client-mode engine for a new connection to {@code endpoint}. */
  public SSLEngine newEngine(Endpoint endpoint) {
    String peer = peerHost(endpoint);
    String name = serverName != null || !endpoint.resolved().isLiteral() ? peer : null;
    // The peer host is the name verified, and the key of the JDK's session cache, so resumption
    // only ever meets the same name.
    SSLEngine engine = context.createSSLEngine(peer, endpoint.port());
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(PROTOCOLS);
    if (verify) {
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
    }
    if (name != null) {
      try {
        parameters.setServerNames(List.of(new SNIHostName(name)));
      } catch (IllegalArgumentException e) {
        // A resolver name SNI cannot carry (say, with '_'): sent without SNI, still verified.
      }
    }
    engine.setSSLParameters(parameters);
    return engine;
  }

  /** The context (the Jetty client carrier builds its factories on it). */
  public SSLContext context() {
    return context;
  }

  /** The name sent as SNI and verified, or null for each endpoint's own host. */
  public @Nullable String serverName() {
    return serverName;
  }

  /** Whether the endpoints' certificates are verified. */
  public boolean verifies() {
    return verify;
  }

  @Override
  public String toString() {
    return description;
  }

  private static KeyManager[] keyManagers(Certificate certificate) throws GeneralSecurityException {
    ServedCertificate served;
    try {
      // Read as the HTTPS listener reads it: the snapshot carries PKCS#8 keys.
      served = CertificateCompiler.compile(certificate);
    } catch (IllegalArgumentException e) {
      throw new CertificateException(e.getMessage(), e);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    char[] password = new char[0];
    try {
      store.load(null, null);
    } catch (IOException e) {
      throw new GeneralSecurityException(e);
    }
    store.setKeyEntry("client", served.key(), password, served.chain());
    KeyManagerFactory factory =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    factory.init(store, password);
    return factory.getKeyManagers();
  }

  /** insecure_skip_verify: any chain, any name. */
  private static final class TrustingAnything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
