package dev.concierge.controlplane.store;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.TokenRole;
import java.time.Instant;

/**
 * A stored admin token, without its secret.
 *
 * @param name 1-63 of [a-z0-9-]
 * @param role ADMIN or READ_ONLY, never UNSPECIFIED
 * @param createTime when it was created
 * @param createdBy the name of the token that created it
 */
public record TokenRow(String name, TokenRole role, Instant createTime, String createdBy) {
  public TokenRow {
    requireNonNull(name, "name");
    requireNonNull(role, "role");
    requireNonNull(createTime, "createTime");
    requireNonNull(createdBy, "createdBy");
    if (role != TokenRole.TOKEN_ROLE_ADMIN && role != TokenRole.TOKEN_ROLE_READ_ONLY) {
      throw new IllegalArgumentException("a stored token is admin or read-only, not " + role);
    }
  }
}
