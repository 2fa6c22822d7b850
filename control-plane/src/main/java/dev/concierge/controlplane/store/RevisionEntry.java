package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;

/**
 * One committed revision: when, by whom, and the changes it made, in the order they were written.
 *
 * @param changes with their specs from {@link ConfigStore#revision}, without them (null before and
 *     after) from {@link ConfigStore#revisions}
 */
public record RevisionEntry(long revision, Instant time, String actor, List<HistoryEntry> changes) {
  public RevisionEntry {
    requireNonNull(time, "time");
    requireNonNull(actor, "actor");
    changes = List.copyOf(changes);
  }
}
