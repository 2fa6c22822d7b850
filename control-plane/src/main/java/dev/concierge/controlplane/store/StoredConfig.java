package dev.concierge.controlplane.store;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.List;

/** Every resource of the store as of one revision, read in one consistent transaction. */
public record StoredConfig(
    long revision,
    List<Cluster> clusters,
    List<Route> routes,
    List<Stored<Certificate>> certificates,
    List<Policy> policies) {
  public StoredConfig {
    clusters = List.copyOf(clusters);
    routes = List.copyOf(routes);
    certificates = List.copyOf(certificates);
    policies = List.copyOf(policies);
  }
}
