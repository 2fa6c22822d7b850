package dev.concierge.controlplane.store;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.List;

/**
 * Every resource of the store as of one revision, read in one consistent transaction; consumers
 * with their sealed credentials.
 */
public record StoredConfig(
    long revision,
    List<Cluster> clusters,
    List<Route> routes,
    List<Stored<Certificate>> certificates,
    List<Policy> policies,
    List<Stored<Consumer>> consumers) {
  public StoredConfig {
    clusters = List.copyOf(clusters);
    routes = List.copyOf(routes);
    certificates = List.copyOf(certificates);
    policies = List.copyOf(policies);
    consumers = List.copyOf(consumers);
  }

  /** A config without consumers. */
  public StoredConfig(
      long revision,
      List<Cluster> clusters,
      List<Route> routes,
      List<Stored<Certificate>> certificates,
      List<Policy> policies) {
    this(revision, clusters, routes, certificates, policies, List.of());
  }
}
