package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** A write or read the store refused, with the reason and the resource names involved. */
public final class StoreException extends RuntimeException {

  /** Why the store refused. */
  public enum Reason {
    /** The named resource does not exist. */
    NOT_FOUND,
    /** A resource with that name exists already. */
    ALREADY_EXISTS,
    /** The given etag is not the stored one. */
    ETAG_MISMATCH,
    /** The config is no longer at the revision a whole-config write was computed against. */
    REVISION_MOVED,
    /** Other resources (see {@link #names()}) still refer to the one being deleted. */
    IN_USE,
    /** The resource refers to resources (see {@link #names()}) that do not exist. */
    MISSING_REFERENCE,
    /** The page token was not issued by this store for this listing. */
    INVALID_PAGE_TOKEN,
    /** The page size is negative. */
    INVALID_PAGE_SIZE,
    /** The database failed. */
    UNAVAILABLE
  }

  private final Reason reason;
  private final List<String> names;

  public StoreException(Reason reason, String message, List<String> names) {
    super(message);
    this.reason = requireNonNull(reason, "reason");
    this.names = List.copyOf(names);
  }

  public StoreException(Reason reason, String message) {
    this(reason, message, List.of());
  }

  StoreException(String message, Throwable cause) {
    super(message, cause);
    this.reason = Reason.UNAVAILABLE;
    this.names = List.of();
  }

  /** The named resource of the kind does not exist. */
  public static StoreException notFound(ResourceKind kind, String name) {
    return new StoreException(Reason.NOT_FOUND, kind.singular() + " \"" + name + "\" not found");
  }

  /** A resource of the kind has that name already. */
  public static StoreException alreadyExists(ResourceKind kind, String name) {
    return new StoreException(
        Reason.ALREADY_EXISTS, kind.singular() + " \"" + name + "\" already exists");
  }

  /**
   * The one stale-etag check: throws ETAG_MISMATCH when {@code expected} is given (non-empty) and
   * is not {@code stored}.
   */
  public static void checkEtag(ResourceKind kind, String name, String expected, String stored) {
    if (!expected.isEmpty() && !expected.equals(stored)) {
      throw new StoreException(
          Reason.ETAG_MISMATCH,
          kind.singular()
              + " \""
              + name
              + "\" has changed: etag \""
              + expected
              + "\" is stale, the current one is \""
              + stored
              + "\"");
    }
  }

  /** The config moved on from the revision a whole-config write expected. */
  public static StoreException revisionMoved(long expected, long actual) {
    return new StoreException(
        Reason.REVISION_MOVED,
        "the config is at revision " + actual + ", not " + expected + ": it changed meanwhile");
  }

  public Reason reason() {
    return reason;
  }

  /**
   * The resources involved: the referring routes for IN_USE, the missing ones for
   * MISSING_REFERENCE.
   */
  public List<String> names() {
    return names;
  }
}
