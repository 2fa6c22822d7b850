package dev.concierge.controlplane.auth;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.TokenRole;

/**
 * Who a bearer token names: the token's name and what it may do.
 *
 * @param name the token's name
 * @param role ADMIN or READ_ONLY
 */
public record Principal(String name, TokenRole role) {
  public Principal {
    requireNonNull(name, "name");
    requireNonNull(role, "role");
  }

  /** Whether this principal may call the management method of this bare name. */
  public boolean mayCall(String bareMethodName) {
    return role == TokenRole.TOKEN_ROLE_ADMIN || MethodAccess.reads(bareMethodName);
  }

  /** The role as the CLI spells it: "admin" or "read-only". */
  public static String spelled(TokenRole role) {
    return role == TokenRole.TOKEN_ROLE_READ_ONLY ? "read-only" : "admin";
  }
}
