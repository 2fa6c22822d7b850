package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A stored node join token, without its secret.
 *
 * @param id 8 lower-case hex digits
 * @param createTime when it was created
 * @param expireTime when it stops admitting nodes
 * @param createdBy the management token that created it
 */
public record JoinTokenRow(String id, Instant createTime, Instant expireTime, String createdBy) {
  public JoinTokenRow {
    requireNonNull(id, "id");
    requireNonNull(createTime, "createTime");
    requireNonNull(expireTime, "expireTime");
    requireNonNull(createdBy, "createdBy");
  }
}
