package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.UpstreamTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code cluster create|update --tls --tls-ca --tls-insecure-skip-verify --tls-server-name
 * --tls-client-cert --no-tls}: TLS from the nodes to the cluster's endpoints. On update, what is
 * not given is kept; one of the three trust options replaces the others.
 */
final class UpstreamTlsOptions {
  @Option(
      names = "--tls",
      description =
          "Speak TLS to the endpoints, verifying them against the system trust store (and their"
              + " names).")
  boolean tls;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "Speak TLS, verifying the endpoints against the PEM CA certificates in FILE.")
  @Nullable Path caFile;

  @Option(
      names = "--tls-insecure-skip-verify",
      description =
          "Speak TLS without verifying the endpoints' certificates or names (tests only).")
  boolean insecure;

  @Option(
      names = "--tls-server-name",
      paramLabel = "NAME|none",
      description = "The SNI name sent and verified (default: each endpoint's host); none clears.")
  @Nullable String serverName;

  @Option(
      names = "--tls-client-cert",
      paramLabel = "CERT|none",
      description =
          "A certificate (id or certificates/ID) presented to endpoints that ask for one (mutual"
              + " TLS); none clears.")
  @Nullable String clientCertificate;

  @Option(names = "--no-tls", description = "Speak plain text to the endpoints.")
  boolean noTls;

  boolean given() {
    return tls
        || caFile != null
        || insecure
        || serverName != null
        || clientCertificate != null
        || noTls;
  }

  /**
   * Sets the cluster's TLS over {@code current}'s (kept where not given) and names it in {@code
   * mask}; throws IllegalArgumentException for a combination that makes no sense.
   */
  void applyTo(Cluster current, Cluster.Builder cluster, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    mask.addPaths("tls");
    if (noTls) {
      if (tls || caFile != null || insecure || serverName != null || clientCertificate != null) {
        throw new IllegalArgumentException("--no-tls takes no other --tls option");
      }
      cluster.clearTls();
      return;
    }
    int trust = (tls ? 1 : 0) + (caFile != null ? 1 : 0) + (insecure ? 1 : 0);
    if (trust > 1) {
      throw new IllegalArgumentException(
          "give one of --tls, --tls-ca and --tls-insecure-skip-verify");
    }
    UpstreamTls.Builder builder = current.getTls().toBuilder();
    if (tls) {
      builder.clearCaBundle().clearInsecureSkipVerify();
    } else if (caFile != null) {
      builder.setCaBundle(read(caFile)).clearInsecureSkipVerify();
    } else if (insecure) {
      builder.clearCaBundle().setInsecureSkipVerify(true);
    }
    if (serverName != null) {
      builder.setServerName(cleared(serverName) ? "" : serverName.strip());
    }
    if (clientCertificate != null) {
      builder.setClientCertificate(
          cleared(clientCertificate)
              ? ""
              : "certificates/" + Names.CERTIFICATE.id(clientCertificate));
    }
    cluster.setTls(builder);
  }

  private static boolean cleared(String value) {
    return value.isBlank() || value.strip().equalsIgnoreCase("none");
  }

  private static String read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--tls-ca " + file + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException("--tls-ca " + file + ": cannot read (" + e + ")");
    }
    if (!text.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException("--tls-ca " + file + ": not a PEM certificate file");
    }
    return text;
  }

  /** {@code tls: CA bundle (2 certificates), name api.internal, client certificates/c}. */
  static String describe(Cluster cluster) {
    if (!cluster.hasTls()) {
      return "plain text";
    }
    UpstreamTls t = cluster.getTls();
    List<String> parts = new ArrayList<>();
    if (t.getInsecureSkipVerify()) {
      parts.add("NOT VERIFIED");
    } else if (t.getCaBundle().isEmpty()) {
      parts.add("system trust store");
    } else {
      int n = t.getCaBundle().split("-----BEGIN CERTIFICATE-----", -1).length - 1;
      parts.add("CA bundle (" + n + (n == 1 ? " certificate)" : " certificates)"));
    }
    if (!t.getServerName().isEmpty()) {
      parts.add("name " + t.getServerName());
    }
    if (!t.getClientCertificate().isEmpty()) {
      parts.add("client " + t.getClientCertificate());
    }
    return "TLS, " + String.join(", ", parts);
  }
}
