package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import org.jspecify.annotations.Nullable;

/**
 * One resource an {@link ConfigStore#apply} writes: stored as {@code after}, or deleted when it is
 * null.
 *
 * @param table the resource's kind
 * @param name the resource's full name
 * @param after the resource as it is to be stored (with its sealed column), or null to delete it
 */
public record Change<T extends Message>(
    ResourceTable<T> table, String name, @Nullable Stored<T> after) {
  public Change {
    requireNonNull(table, "table");
    requireNonNull(name, "name");
  }

  /** Creates or replaces the resource. */
  public static <T extends Message> Change<T> put(
      ResourceTable<T> table, String name, Stored<T> after) {
    return new Change<>(table, name, requireNonNull(after, "after"));
  }

  /** Deletes the resource. */
  public static <T extends Message> Change<T> delete(ResourceTable<T> table, String name) {
    return new Change<>(table, name, null);
  }
}
