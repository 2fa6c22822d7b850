package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Route;
import dev.concierge.controlplane.crypto.KeyCipher;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.crypto.PemCertificates;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** The kinds of the management API, each described once. */
final class ResourceTypes {
  private ResourceTypes() {}

  static ResourceType<Cluster> clusters() {
    return ResourceType.plain(
        ResourceTable.CLUSTERS,
        "cluster",
        Set.of(
            "description",
            "endpoints",
            "lb_policy",
            "connect_timeout",
            "hash_policy",
            "overprovisioning_percent",
            "retry_budget",
            "circuit_breakers",
            "protocol",
            "health_check",
            "outlier_detection",
            "slow_start",
            "panic_threshold_percent",
            "tls"),
        UnaryOperator.identity(),
        (cluster, written, violations) ->
            ClusterValidator.validate(cluster, "cluster", violations));
  }

  /**
   * @param clusterExists whether a cluster of that name is stored (the store checks again in the
   *     write's transaction)
   */
  static ResourceType<Route> routes(Predicate<String> clusterExists) {
    requireNonNull(clusterExists, "clusterExists");
    return ResourceType.plain(
        ResourceTable.ROUTES,
        "route",
        Set.of(
            "description",
            "match",
            "forward",
            "redirect",
            "direct_response",
            "request_body",
            "priority"),
        RouteValidator::normalize,
        (route, written, violations) ->
            RouteValidator.validate(route, "route", clusterExists, violations));
  }

  /**
   * Certificates: the chain and key are replaced together, the fields derived from the chain are
   * the server's, and the private key is stored only encrypted and never returned.
   */
  static ResourceType<Certificate> certificates(KeyCipher cipher) {
    requireNonNull(cipher, "cipher");
    return new ResourceType<>(
        ResourceTable.CERTIFICATES,
        "certificate",
        Set.of("description", "certificate_chain", "private_key"),
        Set.of("certificate_chain", "private_key"),
        Set.of("dns_names", "not_before", "not_after", "fingerprint_sha256"),
        UnaryOperator.identity(),
        (certificate, written, violations) -> {
          if (written.contains("description")) {
            CertificateValidator.validateDescription(certificate, "certificate", violations);
          }
          if (written.contains("certificate_chain")) {
            CertificateValidator.validateKeyPair(certificate, "certificate", violations);
          }
        },
        (certificate, existing) -> {
          if (certificate.getPrivateKey().isEmpty()) {
            // An update that keeps the key pair keeps its ciphertext.
            return new Stored<>(certificate, requireNonNull(existing, "existing").sealed());
          }
          ParsedCertificate parsed =
              PemCertificates.parse(certificate.getCertificateChain(), certificate.getPrivateKey());
          Certificate spec =
              certificate.toBuilder()
                  .clearPrivateKey()
                  .clearDnsNames()
                  .addAllDnsNames(parsed.dnsNames())
                  .setNotBefore(ProtoTime.timestamp(parsed.notBefore()))
                  .setNotAfter(ProtoTime.timestamp(parsed.notAfter()))
                  .setFingerprintSha256(parsed.fingerprintSha256())
                  .build();
          return new Stored<>(
              spec, cipher.encrypt(certificate.getPrivateKey(), certificate.getName()));
        });
  }
}
