package dev.concierge.controlplane.management;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.rules.PolicyRules;
import dev.concierge.api.rules.SnapshotRules;
import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.ApplyResponse;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.FieldChange;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.ResourceChange;
import dev.concierge.api.v1.RollbackRequest;
import dev.concierge.api.v1.Route;
import dev.concierge.controlplane.crypto.ParsedCertificate;
import dev.concierge.controlplane.crypto.PemCertificates;
import dev.concierge.controlplane.store.Change;
import dev.concierge.controlplane.store.ConfigStore;
import dev.concierge.controlplane.store.ResourceTable;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.Stored;
import dev.concierge.controlplane.store.StoredConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Apply and rollback: makes the stored config equal to a whole one as one revision, or changes
 * nothing. Each resource is named, normalised and validated as a single write would be (every
 * problem at once, with its field in the request), the result is checked with the nodes' {@link
 * SnapshotRules}, and the diff against the stored config, field by field, becomes the answer and
 * the store's changes. Thread-safe.
 */
final class ConfigApply {
  private static final int ATTEMPTS = 3;

  /** Fields only the server sets. */
  private static final Set<String> SERVER_SET = Set.of("etag", "create_time", "update_time");

  /** Fields a diff leaves out: the server's, and the name, which the change names already. */
  static final Set<String> NOT_DIFFED = Set.of("name", "etag", "create_time", "update_time");

  private static final String HIDDEN = "\"(hidden)\"";

  private final ConfigStore store;
  private final KeyCipher cipher;
  private final Clock clock;
  private final ResourceType<Cluster> clusters = ResourceTypes.clusters();
  private final ResourceType<Route> routes = ResourceTypes.routes(name -> true, name -> true);
  private final ResourceType<Policy> policies = ResourceTypes.policies();
  private final ResourceType<Certificate> certificates;
  private final Set<String> certificateSkip;
  private final boolean acmeConfigured;

  /**
   * @param clock what certificates must be valid at when written
   */
  ConfigApply(ConfigStore store, KeyCipher cipher, Clock clock) {
    this(store, cipher, clock, false);
  }

  /**
   * @param clock what certificates must be valid at when written
   * @param acmeConfigured whether ACME-managed certificates can be ordered (else they are refused)
   */
  ConfigApply(ConfigStore store, KeyCipher cipher, Clock clock, boolean acmeConfigured) {
    this.acmeConfigured = acmeConfigured;
    this.store = requireNonNull(store, "store");
    this.cipher = requireNonNull(cipher, "cipher");
    this.clock = requireNonNull(clock, "clock");
    // Only its naming and sealing are used: apply checks the default across the whole config.
    this.certificates = ResourceTypes.certificates(cipher, clock, name -> Optional.empty());
    Set<String> skip = new LinkedHashSet<>(NOT_DIFFED);
    skip.addAll(certificates.outputOnly());
    skip.add("private_key");
    skip.add("private_key_passphrase");
    this.certificateSkip = Set.copyOf(skip);
  }

  /** The whole config of the request, applied (or, validate_only, only checked and diffed). */
  ApplyResponse apply(ApplyRequest request, String actor) {
    for (int attempt = 1; ; attempt++) {
      StoredConfig current = store.readConfig();
      checkRevision(request.getIfRevision(), current);
      FieldViolations violations = new FieldViolations();
      Desired desired = fromRequest(request.getConfig(), current, request.getPrune(), violations);
      if (!violations.isEmpty()) {
        throw violations.toException("invalid config");
      }
      try {
        return commit(
            desired, current, request.getPrune(), request.getValidateOnly(), actor, "config");
      } catch (StoreException e) {
        if (!retry(e, request.getIfRevision(), attempt)) {
          throw e;
        }
      }
    }
  }

  /** The config of an earlier revision, applied as a new one (every resource not in it deleted). */
  ApplyResponse rollback(RollbackRequest request, String actor) {
    long target = request.getRevision();
    for (int attempt = 1; ; attempt++) {
      StoredConfig current = store.readConfig();
      if (target < 1 || target > current.revision()) {
        throw new FieldViolations()
            .add(
                "revision",
                "revision "
                    + target
                    + " does not exist: revisions run from 1 to "
                    + current.revision())
            .toException("invalid request");
      }
      checkRevision(request.getIfRevision(), current);
      FieldViolations violations = new FieldViolations();
      Desired desired = fromRevision(store.configAt(target), current, violations);
      if (!violations.isEmpty()) {
        throw violations.toException(
            "revision " + target + "'s config does not pass today's rules");
      }
      try {
        return commit(
            desired,
            current,
            true,
            request.getValidateOnly(),
            actor,
            "revision " + target + "'s config");
      } catch (StoreException e) {
        if (!retry(e, request.getIfRevision(), attempt)) {
          throw e;
        }
      }
    }
  }

  private static void checkRevision(long ifRevision, StoredConfig current) {
    if (ifRevision != 0 && ifRevision != current.revision()) {
      throw StoreException.revisionMoved(ifRevision, current.revision());
    }
  }

  /** A write that lost the race to another one is planned again, unless the caller pinned one. */
  private static boolean retry(StoreException e, long ifRevision, int attempt) {
    return e.reason() == StoreException.Reason.REVISION_MOVED
        && ifRevision == 0
        && attempt < ATTEMPTS;
  }

  // ---- what is asked for

  /**
   * The resources asked for, by name, each valid by itself; where each came from (its field in the
   * request, or its name); the certificates whose key is new, with that key in plain text.
   */
  private record Desired(
      TreeMap<String, Cluster> clusters,
      TreeMap<String, Route> routes,
      TreeMap<String, Stored<Certificate>> certificates,
      TreeMap<String, Policy> policies,
      Map<String, String> newKeys,
      Map<String, String> paths) {
    Desired() {
      this(
          new TreeMap<>(),
          new TreeMap<>(),
          new TreeMap<>(),
          new TreeMap<>(),
          new HashMap<>(),
          new HashMap<>());
    }
  }

  private Desired fromRequest(
      Config config, StoredConfig current, boolean prune, FieldViolations violations) {
    Desired desired = new Desired();
    for (int i = 0; i < config.getPoliciesCount(); i++) {
      String path = "policies[" + i + "]";
      Policy policy =
          named(policies, config.getPolicies(i), path, desired.policies, desired.paths, violations);
      if (policy != null) {
        // An exported JWT policy comes back without its secret keys: the stored ones stay.
        policy = PolicySecrets.kept(policy, storedPolicy(current, policy.getName()));
        PolicyRules.check(policy, path, violations::add);
        desired.policies.put(policy.getName(), policy);
      }
    }
    for (int i = 0; i < config.getClustersCount(); i++) {
      String path = "clusters[" + i + "]";
      Cluster cluster =
          named(clusters, config.getClusters(i), path, desired.clusters, desired.paths, violations);
      if (cluster != null) {
        ClusterValidator.validate(cluster, path, violations);
        desired.clusters.put(cluster.getName(), cluster);
      }
    }
    Set<String> kept = new HashSet<>(desired.clusters.keySet());
    if (!prune) {
      current.clusters().forEach(c -> kept.add(c.getName()));
    }
    for (int i = 0; i < config.getRoutesCount(); i++) {
      String path = "routes[" + i + "]";
      Route route =
          named(routes, config.getRoutes(i), path, desired.routes, desired.paths, violations);
      if (route != null) {
        route = RouteValidator.normalize(route);
        RouteValidator.validate(route, path, kept::contains, violations);
        desired.routes.put(route.getName(), route);
      }
    }
    Map<String, Stored<Certificate>> stored =
        byName(current.certificates(), s -> s.resource().getName());
    List<String> requestDefaults = new ArrayList<>();
    for (int i = 0; i < config.getCertificatesCount(); i++) {
      String path = "certificates[" + i + "]";
      Certificate in = config.getCertificates(i);
      Certificate certificate =
          named(certificates, in, path, desired.certificates, desired.paths, violations);
      if (certificate == null) {
        continue;
      }
      CertificateValidator.validateDescription(certificate, path, violations);
      CertificateValidator.validateClientAuthentication(certificate, path, violations);
      CertificateValidator.validatePassphraseWithKey(certificate, path, violations);
      if (certificate.getDefaultCertificate()) {
        requestDefaults.add(certificate.getName());
      }
      Stored<Certificate> existing = stored.get(certificate.getName());
      if (certificate.hasAcme()) {
        // The chain an export shows is the ACME server's: kept as stored, never taken from here.
        CertificateValidator.validateAcme(certificate, path, false, acmeConfigured, violations);
        if (!certificate.getPrivateKey().isEmpty()) {
          violations.add(
              path + ".private_key",
              "an ACME-managed certificate gets its key from the ACME server");
        }
        desired.certificates.put(
            certificate.getName(), certificates.seal().seal(certificate, existing));
        continue;
      }
      if (certificate.getPrivateKey().isEmpty()
          && existing != null
          && existing
              .resource()
              .getCertificateChain()
              .strip()
              .equals(certificate.getCertificateChain().strip())) {
        // An export holds no keys: the same chain without one keeps the stored key.
        Certificate.Builder unchanged =
            existing.resource().toBuilder()
                .setDescription(certificate.getDescription())
                .setDefaultCertificate(certificate.getDefaultCertificate())
                .clearClientAuthentication();
        if (certificate.hasClientAuthentication()) {
          unchanged.setClientAuthentication(certificate.getClientAuthentication());
        }
        desired.certificates.put(
            certificate.getName(), new Stored<>(unchanged.build(), existing.sealed()));
        continue;
      }
      if (certificate.getPrivateKey().isEmpty()) {
        violations.add(
            path + ".private_key",
            existing == null
                ? "a PEM private key is required for a new certificate"
                : "a PEM private key is required: certificate_chain is not the stored one");
        continue;
      }
      ParsedCertificate parsed =
          CertificateValidator.validateKeyPair(certificate, path, clock.instant(), violations)
              .orElse(null);
      if (parsed != null) {
        Stored<Certificate> sealed = certificates.seal().seal(certificate, existing);
        desired.certificates.put(certificate.getName(), sealed);
        desired.newKeys.put(
            certificate.getName(),
            PemCertificates.storableKey(
                certificate.getPrivateKey(), certificate.getPrivateKeyPassphrase()));
      }
    }
    checkOneDefault(current, desired, requestDefaults, prune, violations);
    return desired;
  }

  /**
   * At most one default certificate after the apply: the stored default stays the one others are
   * refused for, else the first asked for; each other one the request asks for is a violation.
   */
  private static void checkOneDefault(
      StoredConfig current,
      Desired desired,
      List<String> requestDefaults,
      boolean prune,
      FieldViolations violations) {
    Map<String, Boolean> after = new TreeMap<>();
    String storedDefault = null;
    for (Stored<Certificate> s : current.certificates()) {
      if (s.resource().getDefaultCertificate() && storedDefault == null) {
        storedDefault = s.resource().getName();
      }
      if (!prune) {
        after.put(s.resource().getName(), s.resource().getDefaultCertificate());
      }
    }
    for (String name : desired.paths.keySet()) {
      if (name.startsWith("certificates/")) {
        after.put(name, requestDefaults.contains(name));
      }
    }
    List<String> defaults = new ArrayList<>();
    after.forEach(
        (name, isDefault) -> {
          if (isDefault) {
            defaults.add(name);
          }
        });
    if (defaults.size() < 2) {
      return;
    }
    String kept =
        storedDefault != null && defaults.contains(storedDefault)
            ? storedDefault
            : requestDefaults.get(0);
    for (String name : requestDefaults) {
      if (!name.equals(kept)) {
        violations.add(
            desired.paths.get(name) + ".default_certificate",
            CertificateValidator.alreadyDefault(kept));
      }
    }
  }

  /**
   * The resource named as the request names it, with the fields only the server sets cleared; null
   * (with a violation) when the name is missing, invalid or given twice.
   */
  private static <T extends Message> @Nullable T named(
      ResourceType<T> type,
      T in,
      String path,
      Map<String, ?> seen,
      Map<String, String> paths,
      FieldViolations violations) {
    String name = (String) in.getField(in.getDescriptorForType().findFieldByName("name"));
    if (name.isEmpty()) {
      violations.add(
          path + ".name", "a name is required, e.g. \"" + type.kind().name("web") + "\"");
      return null;
    }
    int before = violations.list().size();
    ResourceNames.checkName(type.kind(), name, path + ".name", violations);
    if (violations.list().size() > before) {
      return null;
    }
    if (seen.containsKey(name)) {
      violations.add(path + ".name", "\"" + name + "\" is also " + paths.get(name));
      return null;
    }
    paths.put(name, path);
    return ResourceFlow.requested(type, in, name);
  }

  private Desired fromRevision(
      StoredConfig then, StoredConfig current, FieldViolations violations) {
    Desired desired = new Desired();
    for (Policy policy : then.policies()) {
      Policy spec = strip(policy);
      PolicyRules.check(spec, spec.getName(), violations::add);
      desired.policies.put(spec.getName(), spec);
    }
    for (Cluster cluster : then.clusters()) {
      Cluster spec = strip(cluster);
      ClusterValidator.validate(spec, spec.getName(), violations);
      desired.clusters.put(spec.getName(), spec);
    }
    for (Route route : then.routes()) {
      Route spec = RouteValidator.normalize(strip(route));
      RouteValidator.validate(spec, spec.getName(), desired.clusters::containsKey, violations);
      desired.routes.put(spec.getName(), spec);
    }
    Map<String, Stored<Certificate>> stored =
        byName(current.certificates(), s -> s.resource().getName());
    for (Stored<Certificate> certificate : then.certificates()) {
      String name = certificate.resource().getName();
      String sealed = certificate.sealed();
      if (sealed == null) {
        violations.add(
            name + ".private_key",
            "the key it had at revision "
                + then.revision()
                + " was not kept (written before history kept keys): apply it with its key");
        continue;
      }
      Certificate spec = strip(certificate.resource());
      CertificateValidator.validateDescription(spec, name, violations);
      desired.certificates.put(name, new Stored<>(spec, sealed));
      Stored<Certificate> existing = stored.get(name);
      if (existing == null || !sealed.equals(existing.sealed())) {
        desired.newKeys.put(name, cipher.decrypt(sealed, name));
      }
    }
    return desired;
  }

  // ---- the diff, the check, the write

  private ApplyResponse commit(
      Desired desired,
      StoredConfig current,
      boolean prune,
      boolean validateOnly,
      String actor,
      String subject) {
    List<Change<?>> changes = new ArrayList<>();
    List<ResourceChange> diff = new ArrayList<>();
    SortedMap<String, Cluster> clustersAfter =
        plan(
            ResourceTable.CLUSTERS,
            byName(current.clusters(), Cluster::getName),
            desired.clusters,
            prune,
            NOT_DIFFED,
            changes,
            diff);
    Map<String, Stored<Certificate>> storedCertificates =
        byName(current.certificates(), s -> s.resource().getName());
    planCertificates(storedCertificates, desired, prune, changes, diff);
    SortedMap<String, Route> routesAfter =
        plan(
            ResourceTable.ROUTES,
            byName(current.routes(), Route::getName),
            desired.routes,
            prune,
            NOT_DIFFED,
            changes,
            diff);
    SortedMap<String, Policy> policiesAfter =
        plan(
            ResourceTable.POLICIES,
            byName(current.policies(), Policy::getName),
            desired.policies,
            prune,
            NOT_DIFFED,
            changes,
            diff);

    FieldViolations violations = new FieldViolations();
    ConfigSnapshot candidate =
        ConfigSnapshot.newBuilder()
            .setRevision(current.revision() + 1)
            .addAllClusters(clustersAfter.values())
            .addAllRoutes(routesAfter.values())
            .addAllCertificates(certificatesAfter(storedCertificates, desired, prune))
            .addAllPolicies(policiesAfter.values())
            .build();
    SnapshotRules.check(
        candidate, (field, why) -> violations.add(requestPath(field, desired.paths), why));
    if (!violations.isEmpty()) {
      throw violations.toException("refused: every node would reject " + subject);
    }
    List<String> warnings = warnings(diff, routesAfter);

    ApplyResponse.Builder answer =
        ApplyResponse.newBuilder()
            .setRevision(current.revision())
            .setChanged(!changes.isEmpty())
            .addAllChanges(diff)
            .addAllWarnings(warnings);
    if (!changes.isEmpty() && !validateOnly) {
      answer.setRevision(store.apply(changes, current.revision(), actor));
    }
    return answer.build();
  }

  /** Adds the changes of one plain kind; returns the kind's resources after them. */
  private static <T extends Message> SortedMap<String, T> plan(
      ResourceTable<T> table,
      Map<String, T> before,
      Map<String, T> desired,
      boolean prune,
      Set<String> skip,
      List<Change<?>> changes,
      List<ResourceChange> diff) {
    TreeMap<String, T> after = new TreeMap<>(before);
    TreeMap<String, T> all = new TreeMap<>(before);
    all.putAll(desired);
    for (String name : all.keySet()) {
      T was = before.get(name);
      T wanted = desired.get(name);
      if (wanted == null && !prune) {
        continue;
      }
      ResourceChange change =
          ConfigDiff.between(name, was == null ? null : strip(was), wanted, skip);
      if (change == null) {
        continue;
      }
      diff.add(change);
      if (wanted == null) {
        changes.add(Change.delete(table, name));
        after.remove(name);
      } else {
        changes.add(Change.put(table, name, Stored.of(wanted)));
        after.put(name, wanted);
      }
    }
    return after;
  }

  /** The certificates the apply leaves (their specs: the rules need only their names). */
  private static List<Certificate> certificatesAfter(
      Map<String, Stored<Certificate>> before, Desired desired, boolean prune) {
    TreeMap<String, Stored<Certificate>> after = new TreeMap<>(prune ? Map.of() : before);
    after.putAll(desired.certificates);
    List<Certificate> certificates = new ArrayList<>();
    after.values().forEach(stored -> certificates.add(stored.resource()));
    return certificates;
  }

  private void planCertificates(
      Map<String, Stored<Certificate>> before,
      Desired desired,
      boolean prune,
      List<Change<?>> changes,
      List<ResourceChange> diff) {
    TreeMap<String, Stored<Certificate>> all = new TreeMap<>(before);
    all.putAll(desired.certificates);
    for (String name : all.keySet()) {
      Stored<Certificate> was = before.get(name);
      Stored<Certificate> wanted = desired.certificates.get(name);
      if (wanted == null && !prune) {
        continue;
      }
      ResourceChange change =
          ConfigDiff.between(
              name,
              was == null ? null : was.resource(),
              wanted == null ? null : wanted.resource(),
              certificateSkip);
      String newKey = desired.newKeys.get(name);
      boolean keyChanged =
          wanted != null
              && newKey != null
              && (was == null
                  || !cipher
                      .decrypt(requireNonNull(was.sealed(), "sealed"), name)
                      .strip()
                      .equals(newKey.strip()));
      if (keyChanged) {
        FieldChange.Builder key = FieldChange.newBuilder().setPath("private_key").setAfter(HIDDEN);
        if (was != null) {
          key.setBefore(HIDDEN);
        }
        change =
            (change != null
                    ? change.toBuilder()
                    : ResourceChange.newBuilder()
                        .setName(name)
                        .setAction(ResourceChange.Action.CHANGED))
                .addFields(key)
                .build();
      }
      if (change == null) {
        continue;
      }
      diff.add(change);
      if (wanted == null) {
        changes.add(Change.delete(ResourceTable.CERTIFICATES, name));
      } else {
        changes.add(Change.put(ResourceTable.CERTIFICATES, name, wanted));
      }
    }
  }

  /** One warning per route added or changed that hides another or is hidden, each said once. */
  private static List<String> warnings(List<ResourceChange> diff, Map<String, Route> routesAfter) {
    Set<String> warnings = new LinkedHashSet<>();
    List<Route> all = List.copyOf(routesAfter.values());
    for (ResourceChange change : diff) {
      Route route = routesAfter.get(change.getName());
      if (route != null && change.getAction() != ResourceChange.Action.DELETED) {
        warnings.addAll(RouteShadowing.warnings(route, all));
      }
    }
    return List.copyOf(warnings);
  }

  /** A snapshot rule's field ("routes/api.match.hosts[0]") as the request's field. */
  private static String requestPath(String field, Map<String, String> paths) {
    int dot = field.indexOf('.');
    String name = dot < 0 ? field : field.substring(0, dot);
    String path = paths.get(name);
    return path == null ? field : path + (dot < 0 ? "" : field.substring(dot));
  }

  private static @Nullable Policy storedPolicy(StoredConfig current, String name) {
    for (Policy policy : current.policies()) {
      if (policy.getName().equals(name)) {
        return policy;
      }
    }
    return null;
  }

  private static <T> Map<String, T> byName(List<T> resources, Function<T, String> name) {
    Map<String, T> map = new HashMap<>();
    for (T resource : resources) {
      map.put(name.apply(resource), resource);
    }
    return map;
  }

  /** The resource without the fields the server sets: what a diff compares. */
  @SuppressWarnings("unchecked") // a message's builder builds the same type
  static <T extends Message> T strip(T resource) {
    Message.Builder b = resource.toBuilder();
    for (String field : SERVER_SET) {
      b.clearField(requireNonNull(resource.getDescriptorForType().findFieldByName(field), field));
    }
    return (T) b.build();
  }
}
