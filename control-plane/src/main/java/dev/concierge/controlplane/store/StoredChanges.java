package dev.concierge.controlplane.store;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Consumer;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.List;
import java.util.Set;

/**
 * What the writes after one revision, up to and including {@code revision}, left behind: each
 * resource written and still present, as stored at {@code revision}, and the names of those
 * deleted. A name is in at most one of the lists.
 *
 * @param since the revision the changes apply to
 * @param revision the revision they lead to
 * @param deleted resource names (with their kind's prefix) that no longer exist
 */
public record StoredChanges(
    long since,
    long revision,
    List<Cluster> clusters,
    List<Route> routes,
    List<Stored<Certificate>> certificates,
    List<Policy> policies,
    List<Stored<Consumer>> consumers,
    Set<String> deleted) {
  public StoredChanges {
    if (revision < since) {
      throw new IllegalArgumentException("revision " + revision + " is before " + since);
    }
    clusters = List.copyOf(clusters);
    routes = List.copyOf(routes);
    certificates = List.copyOf(certificates);
    policies = List.copyOf(policies);
    consumers = List.copyOf(consumers);
    deleted = Set.copyOf(deleted);
  }
}
