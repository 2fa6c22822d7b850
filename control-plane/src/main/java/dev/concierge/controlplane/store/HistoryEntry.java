package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * One resource a committed revision changed: who changed what; specs never hold private keys.
 *
 * @param beforeJson the spec before, null when it was created (or when not read)
 * @param afterJson the spec after, null when it was deleted (or when not read)
 */
public record HistoryEntry(
    long revision,
    Instant time,
    String actor,
    Action action,
    ResourceKind kind,
    String name,
    @Nullable String beforeJson,
    @Nullable String afterJson) {

  /** What the write did to the resource. */
  public enum Action {
    CREATE,
    UPDATE,
    DELETE
  }

  public HistoryEntry {
    requireNonNull(time, "time");
    requireNonNull(actor, "actor");
    requireNonNull(action, "action");
    requireNonNull(kind, "kind");
    requireNonNull(name, "name");
  }
}
