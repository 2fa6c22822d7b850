package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import dev.concierge.api.rules.PolicyRules;
import dev.concierge.api.rules.RouteRules;
import dev.concierge.api.rules.SnapshotRules;
import dev.concierge.api.rules.UpstreamTlsRules;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.controlplane.store.ResourceKind;
import dev.concierge.controlplane.store.Stored;
import dev.concierge.controlplane.store.StoredConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Checks, before a write is stored, that the configuration it would produce still compiles on every
 * node: the stored clusters, routes and policies with the write applied, run through the same
 * {@link SnapshotRules} as the nodes' compiler. A write that would halt config delivery to the
 * whole fleet is refused instead; so is any write while the stored config is already broken (say,
 * stored by an older version with looser rules), except one that repairs it. Thread-safe.
 */
public final class SnapshotPreflight implements Preflight {
  private final Supplier<StoredConfig> config;

  /** Reads the stored configuration from {@code config} on every check. */
  public SnapshotPreflight(Supplier<StoredConfig> config) {
    this.config = requireNonNull(config, "config");
  }

  /**
   * Throws INVALID_ARGUMENT, naming every violation, unless the stored configuration with the
   * resource {@code name} replaced by {@code next} (removed when {@code next} is null) keeps the
   * nodes' rules.
   */
  @Override
  public List<String> check(ResourceKind kind, String name, @Nullable Message next) {
    return check(name, next);
  }

  /**
   * {@link #check(ResourceKind, String, Message)} for a name that says its kind. Warns when a route
   * written hides another entirely, or is hidden by one ({@link RouteShadowing}).
   */
  public List<String> check(String name, @Nullable Message next) {
    StoredConfig current = config.get();
    ConfigSnapshot.Builder candidate =
        ConfigSnapshot.newBuilder().setRevision(current.revision() + 1);
    candidate.addAllClusters(
        replace(
            current.clusters(),
            Cluster::getName,
            name,
            next instanceof Cluster cluster ? cluster : null));
    candidate.addAllRoutes(
        replace(
            current.routes(), Route::getName, name, next instanceof Route route ? route : null));
    candidate.addAllPolicies(
        replace(
            current.policies(),
            Policy::getName,
            name,
            next instanceof Policy policy ? policy : null));
    // Only their names count here (a cluster's client certificate must exist). An ACME-managed
    // certificate not issued yet is in no snapshot (SnapshotBuilder), so it does not count.
    List<Certificate> certificates = new ArrayList<>();
    current.certificates().stream()
        .map(Stored::resource)
        .filter(c -> !c.getCertificateChain().isEmpty())
        .forEach(certificates::add);
    candidate.addAllCertificates(
        replace(
            certificates,
            Certificate::getName,
            name,
            next instanceof Certificate certificate && !certificate.getCertificateChain().isEmpty()
                ? certificate
                : null));
    FieldViolations violations = new FieldViolations();
    // A delete of something still referred to is the store's verdict (IN_USE, naming the
    // referrers), which says more than a dangling reference would here.
    String dangling = next == null ? RouteRules.missingCluster(name) : null;
    String danglingCertificate = next == null ? UpstreamTlsRules.missingCertificate(name) : null;
    String danglingPolicy = next == null ? PolicyRules.missingPolicy(name) : null;
    SnapshotRules.check(
        candidate.build(),
        (field, description) -> {
          if (!description.equals(dangling)
              && !description.equals(danglingCertificate)
              && !description.equals(danglingPolicy)) {
            violations.add(field, description);
          }
        });
    if (!violations.isEmpty()) {
      throw violations.toException(
          "refused: every node would reject the configuration this write leaves");
    }
    return next instanceof Route route
        ? RouteShadowing.warnings(route, current.routes())
        : List.of();
  }

  private static <T> List<T> replace(
      List<T> stored, Function<T, String> nameOf, String name, @Nullable T next) {
    List<T> result = new ArrayList<>(stored.size() + 1);
    boolean replaced = false;
    for (T resource : stored) {
      if (!nameOf.apply(resource).equals(name)) {
        result.add(resource);
      } else if (next != null) {
        result.add(next);
        replaced = true;
      }
    }
    if (next != null && !replaced) {
      result.add(next);
    }
    return result;
  }
}
