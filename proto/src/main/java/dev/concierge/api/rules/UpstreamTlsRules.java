package dev.concierge.api.rules;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.UpstreamTls;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The rules of a cluster's upstream TLS: a CA bundle of PEM X.509 certificates (at most {@value
 * #MAX_CA_BUNDLE} characters), a server name that is a DNS name, verification either against that
 * bundle or skipped (not both), and a client certificate that names a certificate of the same
 * configuration. The node parses the bundle with {@link #caCertificates} too, so both sides read it
 * alike.
 */
public final class UpstreamTlsRules {
  /** Largest CA bundle, in characters. */
  public static final int MAX_CA_BUNDLE = 1024 * 1024;

  private static final String BEGIN = "-----BEGIN CERTIFICATE-----";

  private UpstreamTlsRules() {}

  /** Tells {@code sink} every broken field of {@code cluster}'s upstream TLS. */
  public static void check(Cluster cluster, String prefix, ViolationSink sink) {
    if (!cluster.hasTls()) {
      return;
    }
    UpstreamTls tls = cluster.getTls();
    String field = prefix + ".tls";
    String bundle = tls.getCaBundle();
    if (bundle.length() > MAX_CA_BUNDLE) {
      sink.add(field + ".ca_bundle", "must be at most " + MAX_CA_BUNDLE + " characters");
    } else if (!bundle.isEmpty()) {
      try {
        caCertificates(bundle);
      } catch (CertificateException e) {
        sink.add(field + ".ca_bundle", String.valueOf(e.getMessage()));
      }
      if (tls.getInsecureSkipVerify()) {
        sink.add(
            field + ".insecure_skip_verify",
            "verifies nothing, so a ca_bundle would be ignored: set one of them");
      }
    }
    String serverName = tls.getServerName();
    if (!serverName.isEmpty()) {
      String problem =
          serverName.equals(serverName.toLowerCase(Locale.ROOT))
              ? DnsNames.problem(serverName, false)
              : "must be in lower case";
      if (problem != null) {
        sink.add(field + ".server_name", problem);
      }
    }
    String certificate = tls.getClientCertificate();
    if (!certificate.isEmpty()) {
      String problem = ResourceIds.nameProblem(ResourceIds.CERTIFICATES, certificate);
      if (problem != null) {
        sink.add(field + ".client_certificate", problem);
      }
    }
  }

  /**
   * Tells {@code sink} of every cluster whose client certificate is not among {@code snapshot}'s
   * certificates.
   */
  public static void checkReferences(ConfigSnapshot snapshot, ViolationSink sink) {
    Set<String> certificates =
        snapshot.getCertificatesList().stream()
            .map(c -> c.getName())
            .collect(Collectors.toUnmodifiableSet());
    for (int i = 0; i < snapshot.getClustersCount(); i++) {
      Cluster cluster = snapshot.getClusters(i);
      String certificate = cluster.getTls().getClientCertificate();
      if (!certificate.isEmpty() && !certificates.contains(certificate)) {
        String prefix = cluster.getName().isEmpty() ? "clusters[" + i + "]" : cluster.getName();
        sink.add(prefix + ".tls.client_certificate", missingCertificate(certificate));
      }
    }
  }

  /** The description of a client certificate that does not exist. */
  public static String missingCertificate(String certificate) {
    return "certificate \"" + certificate + "\" does not exist";
  }

  /**
   * The certificates of a PEM CA bundle, in order; throws, saying why, unless it holds at least one
   * certificate and nothing but certificates.
   */
  public static List<X509Certificate> caCertificates(String pem) throws CertificateException {
    if (!pem.contains(BEGIN)) {
      throw new CertificateException("must hold PEM certificates (" + BEGIN + ")");
    }
    if (pem.contains("PRIVATE KEY-----")) {
      throw new CertificateException("must not hold a private key");
    }
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      for (var c :
          factory.generateCertificates(
              new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
        certificates.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new CertificateException("is not a PEM certificate bundle: " + e.getMessage(), e);
    }
    int blocks = count(pem, BEGIN);
    if (certificates.size() != blocks) {
      throw new CertificateException(
          "is not a PEM certificate bundle: "
              + blocks
              + " certificate blocks but "
              + certificates.size()
              + " parsed");
    }
    return List.copyOf(certificates);
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
      n++;
    }
    return n;
  }
}
