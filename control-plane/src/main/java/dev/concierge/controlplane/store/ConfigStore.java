package dev.concierge.controlplane.store;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Route;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The configuration of record. Every write is one transaction that bumps the global revision,
 * checks references, writes the resource and a history row; listeners hear the new revision after
 * the commit. Returned resources carry etag (the revision of their last write) and times.
 * Thread-safe.
 */
public interface ConfigStore extends AutoCloseable {

  /** The newest committed revision; 0 for an empty store. */
  long revision();

  /** Calls the listener with the new revision after each committed write. */
  void addListener(LongConsumer listener);

  Cluster createCluster(Cluster cluster, String actor);

  /** Replaces the stored cluster; a non-empty expectedEtag must be the stored one. */
  Cluster updateCluster(Cluster cluster, String expectedEtag, String actor);

  /** Refused with IN_USE, naming the routes, while a route forwards to the cluster. */
  void deleteCluster(String name, String expectedEtag, String actor);

  Optional<Cluster> getCluster(String name);

  Page<Cluster> listClusters(int pageSize, String pageToken);

  /** Refused with MISSING_REFERENCE, naming them, when a forwarded-to cluster does not exist. */
  Route createRoute(Route route, String actor);

  Route updateRoute(Route route, String expectedEtag, String actor);

  void deleteRoute(String name, String expectedEtag, String actor);

  Optional<Route> getRoute(String name);

  Page<Route> listRoutes(int pageSize, String pageToken);

  /** Returns the stored certificate, without a key. */
  Certificate createCertificate(StoredCertificate certificate, String actor);

  Certificate updateCertificate(StoredCertificate certificate, String expectedEtag, String actor);

  void deleteCertificate(String name, String expectedEtag, String actor);

  /** The certificate without its key. */
  Optional<Certificate> getCertificate(String name);

  /** The certificate with its encrypted key. */
  Optional<StoredCertificate> getStoredCertificate(String name);

  Page<Certificate> listCertificates(int pageSize, String pageToken);

  /** Everything at one revision, read consistently. */
  StoredConfig readConfig();

  /** The newest history rows first, at most limit of them. */
  List<HistoryEntry> history(int limit);

  /** Inserts or replaces a node of the registry; does not change the revision. */
  default void saveNode(Node node) {
    saveNodes(List.of(node));
  }

  /**
   * Inserts or replaces nodes of the registry in one transaction; does not change the revision.
   */
  void saveNodes(Collection<Node> nodes);

  /** Every node ever saved, ordered by name. */
  List<Node> listNodes();

  @Override
  void close();
}
