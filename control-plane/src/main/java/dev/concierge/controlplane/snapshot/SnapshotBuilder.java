package dev.concierge.controlplane.snapshot;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.AcmeChallenge;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.controlplane.consumer.SealedCredentials;
import dev.concierge.controlplane.crypto.PemCertificates;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.Stored;
import dev.concierge.controlplane.store.StoredChanges;
import dev.concierge.controlplane.store.StoredConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns the store at its newest revision into one ConfigSnapshot, with keys (and consumers'
 * credentials) decrypted for nodes. The first build reads the whole store; later ones read only
 * what the writes since the last build touched ({@link ConfigStore#changesSince}) and apply it to
 * the resources kept from that build, so a write's snapshot costs the write, not the size of the
 * config. Resources are in name order (Java's, whatever the database's collation). Thread-safe.
 */
public final class SnapshotBuilder {
  private final ConfigStore store;
  private final KeyCipher cipher;
  private final SealedCredentials credentials;
  private final Clock clock;
  private final com.google.protobuf.Duration expiryWarning;

  // The resources of the last build, by name; -1 before the first.
  @GuardedBy("this")
  private long revision = -1;

  @GuardedBy("this")
  private final TreeMap<String, Cluster> clusters = new TreeMap<>();

  @GuardedBy("this")
  private final TreeMap<String, Route> routes = new TreeMap<>();

  @GuardedBy("this")
  private final TreeMap<String, Policy> policies = new TreeMap<>();

  // Consumers with their credentials unsealed, as the snapshots already hold them.
  @GuardedBy("this")
  private final TreeMap<String, Consumer> consumers = new TreeMap<>();

  // Keys decrypted, as the snapshots already hold them.
  @GuardedBy("this")
  private final TreeMap<String, Certificate> certificates = new TreeMap<>();

  // The pending ACME HTTP-01 challenges, by certificate name.
  @GuardedBy("this")
  private final TreeMap<String, List<AcmeChallenge>> challenges = new TreeMap<>();

  /** A builder whose snapshots carry the default expiry warning (14 days). */
  public SnapshotBuilder(ConfigStore store, KeyCipher cipher, Clock clock) {
    this(store, cipher, clock, Duration.ofDays(14));
  }

  /**
   * @param expiryWarning how long before not_after nodes flag a certificate as expiring
   */
  public SnapshotBuilder(ConfigStore store, KeyCipher cipher, Clock clock, Duration expiryWarning) {
    this.store = requireNonNull(store, "store");
    this.cipher = requireNonNull(cipher, "cipher");
    this.credentials = new SealedCredentials(cipher);
    this.clock = requireNonNull(clock, "clock");
    this.expiryWarning = Durations.fromNanos(expiryWarning.toNanos());
  }

  /** The snapshot of the newest committed revision. */
  public synchronized ConfigSnapshot build() {
    Optional<StoredChanges> changes =
        revision < 0 ? Optional.empty() : store.changesSince(revision);
    if (changes.isPresent()) {
      apply(changes.get());
    } else {
      reload(store.readConfig());
    }
    ConfigSnapshot.Builder snapshot =
        ConfigSnapshot.newBuilder()
            .setRevision(revision)
            .setCreateTime(Timestamps.fromMillis(clock.millis()))
            .addAllClusters(clusters.values())
            .addAllRoutes(routes.values())
            .addAllCertificates(certificates.values())
            .addAllPolicies(policies.values())
            .addAllConsumers(consumers.values())
            .setCertificateExpiryWarning(expiryWarning);
    challenges.values().forEach(snapshot::addAllAcmeChallenges);
    return snapshot.build();
  }

  @GuardedBy("this")
  private void reload(StoredConfig config) {
    clusters.clear();
    routes.clear();
    certificates.clear();
    policies.clear();
    consumers.clear();
    challenges.clear();
    put(config.clusters(), config.routes(), config.certificates(), config.policies());
    putConsumers(config.consumers());
    revision = config.revision();
  }

  @GuardedBy("this")
  private void apply(StoredChanges changes) {
    for (String name : changes.deleted()) {
      clusters.remove(name);
      routes.remove(name);
      certificates.remove(name);
      policies.remove(name);
      consumers.remove(name);
      challenges.remove(name);
    }
    put(changes.clusters(), changes.routes(), changes.certificates(), changes.policies());
    putConsumers(changes.consumers());
    revision = changes.revision();
  }

  @GuardedBy("this")
  private void putConsumers(List<Stored<Consumer>> newConsumers) {
    for (Stored<Consumer> stored : newConsumers) {
      String name = stored.resource().getName();
      consumers.put(
          name,
          SealedCredentials.forNodes(
              stored.resource(),
              credentials.unseal(requireNonNull(stored.sealed(), "sealed"), name)));
    }
  }

  @GuardedBy("this")
  private void put(
      List<Cluster> newClusters,
      List<Route> newRoutes,
      List<Stored<Certificate>> newCertificates,
      List<Policy> newPolicies) {
    for (Policy policy : newPolicies) {
      policies.put(policy.getName(), policy);
    }
    for (Cluster cluster : newClusters) {
      clusters.put(cluster.getName(), cluster);
    }
    for (Route route : newRoutes) {
      routes.put(route.getName(), route);
    }
    for (Stored<Certificate> stored : newCertificates) {
      String name = stored.resource().getName();
      if (stored.resource().getAcmeChallengesCount() > 0) {
        challenges.put(name, stored.resource().getAcmeChallengesList());
      } else {
        challenges.remove(name);
      }
      if (stored.resource().getCertificateChain().isEmpty()) {
        // An ACME-managed certificate not issued yet: nothing to serve.
        certificates.remove(name);
        continue;
      }
      certificates.put(
          name,
          stored.resource().toBuilder()
              // Nodes need neither: a status write must not look like a new certificate to them.
              .clearAcmeStatus()
              .clearAcmeChallenges()
              .setPrivateKey(
                  // Nodes read PKCS#8 only: the conversion happens once here, not on each node.
                  PemCertificates.toPkcs8Pem(
                      cipher.decrypt(requireNonNull(stored.sealed(), "sealed"), name)))
              .build());
    }
  }
}
