package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** One committed write: who changed what at which revision; specs never hold private keys. */
public record HistoryEntry(
    long revision,
    Instant time,
    String actor,
    Action action,
    ResourceKind kind,
    String name,
    String beforeJson,
    String afterJson) {

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
