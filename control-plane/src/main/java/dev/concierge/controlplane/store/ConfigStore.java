package dev.concierge.controlplane.store;

import com.google.protobuf.Message;
import dev.concierge.api.v1.Node;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The configuration of record. Every write is one transaction that bumps the global revision,
 * checks references, writes the resource and a history row; listeners hear the new revision after
 * the commit. Returned resources carry etag (the revision of their last write) and times, and never
 * what a sealed column holds. Every kind goes through the same methods, described by its {@link
 * ResourceTable}. Thread-safe.
 */
public interface ConfigStore extends AutoCloseable {

  /** The newest committed revision; 0 for an empty store. */
  long revision();

  /** Calls the listener with the new revision after each committed write. */
  void addListener(LongConsumer listener);

  /**
   * Stores a new resource and returns it as stored. Refused with ALREADY_EXISTS when the name is
   * taken, and with MISSING_REFERENCE, naming them, when a resource it refers to does not exist.
   */
  <T extends Message> T create(ResourceTable<T> table, Stored<T> resource, String actor);

  /**
   * Replaces the stored resource of the same name; a non-empty expectedEtag must be the stored one
   * (else ETAG_MISMATCH). References are checked as for create.
   */
  <T extends Message> T update(
      ResourceTable<T> table, Stored<T> resource, String expectedEtag, String actor);

  /** Deletes a resource; refused with IN_USE, naming them, while other resources refer to it. */
  void delete(ResourceTable<?> table, String name, String expectedEtag, String actor);

  /** The resource without what its sealed column holds. */
  <T extends Message> Optional<T> get(ResourceTable<T> table, String name);

  /** The resource with its sealed column. */
  <T extends Message> Optional<Stored<T>> getStored(ResourceTable<T> table, String name);

  /** One page of the kind's resources ordered by name. */
  <T extends Message> Page<T> list(ResourceTable<T> table, int pageSize, String pageToken);

  /** Everything at one revision, read consistently. */
  StoredConfig readConfig();

  /**
   * The changes of the writes after revision {@code since}, read consistently, without holding up
   * writers. Empty when the store cannot tell them (since is ahead of the store, or its history has
   * gaps); the caller then reads the whole config.
   */
  Optional<StoredChanges> changesSince(long since);

  /**
   * Writes every change as one revision, or none of them; the order of the changes does not matter
   * (a route may come before the cluster it uses). Refused with REVISION_MOVED when the store is no
   * longer at {@code expectedRevision}, and as single writes are when references would break.
   *
   * @return the new revision
   */
  long apply(List<Change<?>> changes, long expectedRevision, String actor);

  /**
   * Every resource as it was at {@code revision} (at most the newest): specs as written then, etag
   * the revision of their last write; certificates with the sealed key they had, null where history
   * did not keep it.
   */
  StoredConfig configAt(long revision);

  /** The newest changes first (by revision, then in write order), at most limit of them. */
  List<HistoryEntry> history(int limit);

  /**
   * Revisions before {@code before} (all when it is 0 or less), newest first, at most limit of
   * them; their changes name what changed, without specs.
   */
  List<RevisionEntry> revisions(long before, int limit);

  /** One revision with the specs of its changes. */
  Optional<RevisionEntry> revision(long revision);

  /** Inserts or replaces a node of the registry; does not change the revision. */
  default void saveNode(Node node) {
    saveNodes(List.of(node));
  }

  /** Inserts or replaces nodes of the registry in one transaction; does not change the revision. */
  void saveNodes(Collection<Node> nodes);

  /** Every node ever saved, ordered by name. */
  List<Node> listNodes();

  @Override
  void close();
}
