package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A stored admin token, without its secret.
 *
 * @param name 1-63 of [a-z0-9-]
 * @param createTime when it was created
 * @param createdBy the name of the token that created it
 */
public record TokenRow(String name, Instant createTime, String createdBy) {
  public TokenRow {
    requireNonNull(name, "name");
    requireNonNull(createTime, "createTime");
    requireNonNull(createdBy, "createdBy");
  }
}
