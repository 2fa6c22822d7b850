package dev.concierge.dataplane.chain;

import static java.util.Objects.requireNonNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The claims of the request's verified JSON Web Token, as the JWT stage found them: names to the
 * values the JSON held (strings, numbers, booleans, lists, maps; exp, nbf and iat as {@link
 * java.util.Date}). Immutable.
 */
public final class JwtClaims {
  private final Map<String, Object> claims;

  private JwtClaims(Map<String, Object> claims) {
    this.claims = claims;
  }

  /** A view of a copy of {@code claims}. */
  public static JwtClaims of(Map<String, Object> claims) {
    return new JwtClaims(Collections.unmodifiableMap(new LinkedHashMap<>(claims)));
  }

  /** The "sub" claim, or null. */
  public @Nullable String subject() {
    return text("sub");
  }

  /** The "iss" claim, or null. */
  public @Nullable String issuer() {
    return text("iss");
  }

  /** The claim {@code name} as its JSON value, or null when absent. */
  public @Nullable Object get(String name) {
    return claims.get(requireNonNull(name, "name"));
  }

  /** The claim {@code name} when it is a string, else null. */
  public @Nullable String text(String name) {
    return claims.get(name) instanceof String s ? s : null;
  }

  /** Every claim, read-only. */
  public Map<String, Object> asMap() {
    return claims;
  }

  @Override
  public String toString() {
    // Claim names only: values may be personal data.
    return "JwtClaims" + claims.keySet();
  }
}
