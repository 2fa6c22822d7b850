package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.rules.ConsumerRules;
import dev.concierge.api.rules.PolicyRules;
import dev.concierge.api.v1.AcmeStatus;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.ConsumerCredentials;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.controlplane.consumer.SealedCredentials;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.crypto.PemCertificates;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.Stored;
import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

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
   * @param policyExists the same for a policy
   */
  static ResourceType<Route> routes(
      Predicate<String> clusterExists, Predicate<String> policyExists) {
    requireNonNull(clusterExists, "clusterExists");
    requireNonNull(policyExists, "policyExists");
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
            "priority",
            "tls",
            "access_log",
            "policies"),
        RouteValidator::normalize,
        (route, written, violations) -> {
          RouteValidator.validate(route, "route", clusterExists, violations);
          RouteValidator.validatePolicies(route, "route", policyExists, violations);
        });
  }

  /**
   * Edge policies: one kind each (ip_access, rate_limit, cors, key_auth, basic_auth, jwt_auth,
   * connection_limits), checked by the nodes' own rules; a JWT policy's secret keys are write-only
   * ({@link PolicySecrets}).
   */
  static ResourceType<Policy> policies() {
    return new ResourceType<>(
        ResourceTable.POLICIES,
        "policy",
        Set.of(
            "description",
            "fleet_default",
            "ip_access",
            "rate_limit",
            "cors",
            "key_auth",
            "basic_auth",
            "jwt_auth",
            "connection_limits"),
        Set.of(),
        Set.of(),
        UnaryOperator.identity(),
        (policy, written, violations) -> PolicyRules.check(policy, "policy", violations::add),
        (policy, existing) ->
            Stored.of(PolicySecrets.kept(policy, existing == null ? null : existing.resource())));
  }

  /**
   * Consumers: description and labels only; their credentials are written by their own calls
   * ({@link ConsumerCredentialFlow}) into the sealed column, which a spec write keeps as it is (a
   * new consumer starts without credentials).
   */
  static ResourceType<Consumer> consumers(SealedCredentials sealed) {
    requireNonNull(sealed, "sealed");
    return new ResourceType<>(
        ResourceTable.CONSUMERS,
        "consumer",
        Set.of("description", "labels"),
        Set.of(),
        Set.of("keys", "basic_credentials"),
        UnaryOperator.identity(),
        (consumer, written, violations) ->
            ConsumerRules.check(consumer, "consumer", violations::add),
        (consumer, existing) ->
            new Stored<>(
                consumer,
                existing != null
                    ? existing.sealed()
                    : sealed.seal(ConsumerCredentials.getDefaultInstance(), consumer.getName())));
  }

  /**
   * Certificates: the chain and key are replaced together, the fields derived from the chain are
   * the server's, and the private key is stored only encrypted (decrypted first when it came with a
   * passphrase, which is never stored) and never returned.
   *
   * @param clock the time the chain must be valid at when written
   * @param otherDefault the certificate that already is the default, if it is not the named one
   */
  static ResourceType<Certificate> certificates(
      KeyCipher cipher, Clock clock, Function<String, Optional<String>> otherDefault) {
    return certificates(cipher, clock, otherDefault, false);
  }

  /**
   * Certificates as above; ACME-managed ones ({@code acme} set) take no chain or key, are stored
   * with an empty sealed key until issued, and keep what ACME wrote on every update.
   *
   * @param acmeConfigured whether this control plane can order certificates (has an ACME server)
   */
  static ResourceType<Certificate> certificates(
      KeyCipher cipher,
      Clock clock,
      Function<String, Optional<String>> otherDefault,
      boolean acmeConfigured) {
    requireNonNull(cipher, "cipher");
    requireNonNull(clock, "clock");
    requireNonNull(otherDefault, "otherDefault");
    return new ResourceType<>(
        ResourceTable.CERTIFICATES,
        "certificate",
        Set.of(
            "description",
            "certificate_chain",
            "private_key",
            "private_key_passphrase",
            "default_certificate",
            "client_authentication",
            "acme"),
        Set.of("certificate_chain", "private_key"),
        CERTIFICATE_OUTPUT,
        UnaryOperator.identity(),
        (certificate, written, violations) -> {
          String prefix = "certificate";
          if (written.contains("description")) {
            CertificateValidator.validateDescription(certificate, prefix, violations);
          }
          if (certificate.hasAcme()) {
            CertificateValidator.validateAcme(
                certificate,
                prefix,
                written.contains("certificate_chain"),
                acmeConfigured,
                violations);
          } else if (written.contains("certificate_chain")) {
            CertificateValidator.validateKeyPair(certificate, prefix, clock.instant(), violations);
          } else {
            CertificateValidator.validatePassphraseWithKey(certificate, prefix, violations);
          }
          if (written.contains("default_certificate")) {
            CertificateValidator.validateDefault(
                certificate, prefix, otherDefault.apply(certificate.getName()), violations);
          }
          if (written.contains("client_authentication")) {
            CertificateValidator.validateClientAuthentication(certificate, prefix, violations);
          }
        },
        (certificate, existing) -> {
          Certificate.Builder spec =
              certificate.toBuilder()
                  .clearPrivateKey()
                  .clearPrivateKeyPassphrase()
                  .clearServingNodes()
                  .clearExpiring();
          if (certificate.hasAcme()) {
            return acmeSealed(spec, existing);
          }
          if (certificate.getPrivateKey().isEmpty()) {
            // An update that keeps the key pair keeps its ciphertext.
            return new Stored<>(spec.build(), requireNonNull(existing, "existing").sealed());
          }
          String passphrase = certificate.getPrivateKeyPassphrase();
          ParsedCertificate parsed =
              PemCertificates.parse(
                  certificate.getCertificateChain(), certificate.getPrivateKey(), passphrase);
          derived(spec, parsed);
          return new Stored<>(
              spec.build(),
              cipher.encrypt(
                  PemCertificates.storableKey(certificate.getPrivateKey(), passphrase),
                  certificate.getName()));
        });
  }

  /**
   * An ACME-managed certificate as stored: what ACME wrote (chain, derived fields, status, sealed
   * key) is kept from the stored version; new names make it due for an order at once.
   */
  private static Stored<Certificate> acmeSealed(
      Certificate.Builder spec, @Nullable Stored<Certificate> existing) {
    if (existing == null) {
      // Not issued yet: no chain, and an empty sealed key (no node is sent it).
      return new Stored<>(
          spec.clearCertificateChain()
              .setAcmeStatus(AcmeStatus.newBuilder().setState(AcmeStatus.State.PENDING))
              .build(),
          "");
    }
    Certificate stored = existing.resource();
    spec.setCertificateChain(stored.getCertificateChain())
        .clearDnsNames()
        .addAllDnsNames(stored.getDnsNamesList())
        .setIssuer(stored.getIssuer())
        .setKeyType(stored.getKeyType())
        .setSerialNumber(stored.getSerialNumber())
        .setFingerprintSha256(stored.getFingerprintSha256())
        .setAcmeStatus(stored.getAcmeStatus())
        .clearAcmeChallenges()
        .addAllAcmeChallenges(stored.getAcmeChallengesList());
    if (stored.hasNotBefore()) {
      spec.setNotBefore(stored.getNotBefore());
    }
    if (stored.hasNotAfter()) {
      spec.setNotAfter(stored.getNotAfter());
    }
    if (!stored.getAcme().equals(spec.getAcme())) {
      spec.setAcmeStatus(
          stored.getAcmeStatus().toBuilder()
              .setState(AcmeStatus.State.PENDING)
              .clearNextRenewalTime());
    }
    return new Stored<>(spec.build(), requireNonNull(existing.sealed(), "sealed"));
  }

  /** The certificate fields only the server sets: derived from the chain, or from the fleet. */
  static final Set<String> CERTIFICATE_OUTPUT =
      Set.of(
          "dns_names",
          "not_before",
          "not_after",
          "fingerprint_sha256",
          "issuer",
          "key_type",
          "serial_number",
          "serving_nodes",
          "expiring",
          "acme_status",
          "acme_challenges");

  /** Sets the fields derived from the chain. */
  static Certificate.Builder derived(Certificate.Builder spec, ParsedCertificate parsed) {
    return parsed.describe(spec);
  }
}
