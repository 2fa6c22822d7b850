package dev.concierge.controlplane.acme;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/** An SSLContext trusting the system's CAs and those of one PEM file (a private ACME server). */
final class ExtraTrust {
  private ExtraTrust() {}

  static SSLContext of(Path pemFile) throws IOException, GeneralSecurityException {
    KeyStore extra = KeyStore.getInstance(KeyStore.getDefaultType());
    extra.load(null, null);
    try (InputStream in = Files.newInputStream(pemFile)) {
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        extra.setCertificateEntry("extra-" + i++, c);
      }
    }
    if (extra.size() == 0) {
      throw new IOException(pemFile + " holds no PEM certificate");
    }
    X509TrustManager system = trustManager(null);
    X509TrustManager file = trustManager(extra);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new Either(file, system)}, null);
    return context;
  }

  private static X509TrustManager trustManager(@Nullable KeyStore store)
      throws GeneralSecurityException {
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(store);
    for (TrustManager tm : factory.getTrustManagers()) {
      if (tm instanceof X509TrustManager x509) {
        return x509;
      }
    }
    throw new GeneralSecurityException("no X509TrustManager");
  }

  /** Trusts a server chain that either trust manager trusts. */
  private static final class Either implements X509TrustManager {
    private final X509TrustManager first;
    private final X509TrustManager second;

    Either(X509TrustManager first, X509TrustManager second) {
      this.first = first;
      this.second = second;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        first.checkServerTrusted(chain, authType);
      } catch (CertificateException e) {
        second.checkServerTrusted(chain, authType);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("an ACME client checks no client certificates");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
      all.addAll(List.of(second.getAcceptedIssuers()));
      return all.toArray(X509Certificate[]::new);
    }
  }
}
