package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import dev.concierge.api.rules.ConsumerAuthRules;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * How one resource kind is stored, described once: its table (named by the {@link ResourceKind}),
 * its message type, an optional sealed column kept beside the spec (the certificate's encrypted
 * key), and the references its resources hold to other kinds. {@link JdbcConfigStore} has one
 * create/update/delete/get/list path over these descriptions; a new kind is a new constant here and
 * a table in a migration. Immutable.
 *
 * @param <T> the resource message
 */
public final class ResourceTable<T extends Message> {

  /**
   * Groups of backend endpoints; one may present a client certificate to its endpoints, which must
   * exist and cannot be deleted while used.
   */
  public static final ResourceTable<Cluster> CLUSTERS =
      new ResourceTable<>(
          ResourceKind.CLUSTER,
          Cluster.getDefaultInstance(),
          null,
          List.of(
              new Reference<>(
                  ResourceKind.CERTIFICATE,
                  "cluster_certificates",
                  "cluster_name",
                  "certificate_name",
                  "presents to its endpoints",
                  ResourceTable::clientCertificate)));

  /**
   * Routes; each forwards to clusters and applies policies, which must exist and cannot be deleted
   * while used.
   */
  public static final ResourceTable<Route> ROUTES =
      new ResourceTable<>(
          ResourceKind.ROUTE,
          Route.getDefaultInstance(),
          null,
          List.of(
              new Reference<>(
                  ResourceKind.CLUSTER,
                  "route_clusters",
                  "route_name",
                  "cluster_name",
                  "forwards to",
                  ResourceTable::forwardedClusters),
              new Reference<>(
                  ResourceKind.POLICY,
                  "route_policies",
                  "route_name",
                  "policy_name",
                  "applies",
                  ResourceTable::appliedPolicies)));

  /** TLS certificates; the private key is kept only encrypted, in {@code key_ciphertext}. */
  public static final ResourceTable<Certificate> CERTIFICATES =
      new ResourceTable<>(
          ResourceKind.CERTIFICATE, Certificate.getDefaultInstance(), "key_ciphertext", List.of());

  /**
   * Consumers; their credentials (key hashes, password hashes) are kept only encrypted, in {@code
   * credentials}.
   */
  public static final ResourceTable<Consumer> CONSUMERS =
      new ResourceTable<>(
          ResourceKind.CONSUMER, Consumer.getDefaultInstance(), "credentials", List.of());

  /**
   * Edge policies (IP access lists, ...), which routes name; an authentication policy may allow
   * consumers by name, which must exist and cannot be deleted while allowed.
   */
  public static final ResourceTable<Policy> POLICIES =
      new ResourceTable<>(
          ResourceKind.POLICY,
          Policy.getDefaultInstance(),
          null,
          List.of(
              new Reference<>(
                  ResourceKind.CONSUMER,
                  "policy_consumers",
                  "policy_name",
                  "consumer_name",
                  "allows",
                  ResourceTable::allowedConsumers)));

  private static final List<ResourceTable<?>> ALL =
      List.of(CLUSTERS, ROUTES, CERTIFICATES, POLICIES, CONSUMERS);

  private final ResourceKind kind;
  private final T prototype;
  private final @Nullable String sealedColumn;
  private final List<Reference<T>> references;

  private ResourceTable(
      ResourceKind kind,
      T prototype,
      @Nullable String sealedColumn,
      List<Reference<T>> references) {
    this.kind = requireNonNull(kind, "kind");
    this.prototype = requireNonNull(prototype, "prototype");
    this.sealedColumn = sealedColumn;
    this.references = List.copyOf(references);
  }

  /** Every stored kind, in the order a whole-config read visits them. */
  public static List<ResourceTable<?>> all() {
    return ALL;
  }

  /** The table of a kind. */
  public static ResourceTable<?> of(ResourceKind kind) {
    for (ResourceTable<?> table : ALL) {
      if (table.kind == kind) {
        return table;
      }
    }
    throw new IllegalArgumentException("no table for " + kind);
  }

  public ResourceKind kind() {
    return kind;
  }

  /** The empty message of the kind; parses stored JSON into the right type. */
  public T prototype() {
    return prototype;
  }

  /** The column holding a ciphertext beside the spec, or null when the kind has none. */
  public @Nullable String sealedColumn() {
    return sealedColumn;
  }

  /** The references each resource of the kind holds, checked when it is written. */
  public List<Reference<T>> references() {
    return references;
  }

  /**
   * "routes/a forwards to this cluster": how a referring resource is described to whoever tries to
   * delete a {@code target}.
   */
  public static String describeReferrer(String referrer, ResourceKind target) {
    for (ResourceTable<?> table : ALL) {
      if (!referrer.startsWith(table.kind.namePrefix())) {
        continue;
      }
      for (Reference<?> reference : table.references) {
        if (reference.target() == target) {
          return referrer + " " + reference.verb() + " this " + target.singular();
        }
      }
    }
    return referrer + " refers to this " + target.singular();
  }

  /** The references to a kind, from every table. */
  static List<Reference<?>> referencesTo(ResourceKind target) {
    return ALL.stream()
        .flatMap(t -> t.references.stream())
        .filter(r -> r.target() == target)
        .<Reference<?>>map(r -> r)
        .toList();
  }

  @Override
  public String toString() {
    return kind.table();
  }

  private static Map<String, String> clientCertificate(Cluster cluster) {
    String certificate = cluster.getTls().getClientCertificate();
    return certificate.isEmpty() ? Map.of() : Map.of("tls.client_certificate", certificate);
  }

  private static Map<String, String> forwardedClusters(Route route) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (int i = 0; i < route.getForward().getClustersCount(); i++) {
      fields.put(
          "forward.clusters[" + i + "].cluster", route.getForward().getClusters(i).getCluster());
    }
    return fields;
  }

  private static Map<String, String> allowedConsumers(Policy policy) {
    String field =
        switch (policy.getKindCase()) {
          case KEY_AUTH -> "key_auth.allowed_consumers";
          case BASIC_AUTH -> "basic_auth.allowed_consumers";
          default -> "";
        };
    List<String> names = ConsumerAuthRules.allowedConsumers(policy);
    Map<String, String> fields = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      fields.put(field + "[" + i + "]", names.get(i));
    }
    return fields;
  }

  private static Map<String, String> appliedPolicies(Route route) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (int i = 0; i < route.getPoliciesCount(); i++) {
      fields.put("policies[" + i + "]", route.getPolicies(i));
    }
    return fields;
  }

  /**
   * References from resources of one kind to resources of {@code target}, kept in a link table so
   * that a delete can be refused while they exist.
   *
   * @param target the kind referred to
   * @param linkTable the table of (referrer, target) name pairs
   * @param fromColumn the referrer's name column
   * @param toColumn the target's name column
   * @param verb how a referrer relates to its target, for messages ("forwards to")
   * @param fields the referring fields of a resource (path relative to it, in order) and the names
   *     they hold
   * @param <T> the referring resource message
   */
  public record Reference<T extends Message>(
      ResourceKind target,
      String linkTable,
      String fromColumn,
      String toColumn,
      String verb,
      Function<T, Map<String, String>> fields) {
    public Reference {
      requireNonNull(target, "target");
      requireNonNull(linkTable, "linkTable");
      requireNonNull(fromColumn, "fromColumn");
      requireNonNull(toColumn, "toColumn");
      requireNonNull(verb, "verb");
      requireNonNull(fields, "fields");
    }

    /** The distinct names the resource refers to, sorted. */
    public SortedSet<String> names(T resource) {
      return new TreeSet<>(fields.apply(resource).values());
    }
  }
}
