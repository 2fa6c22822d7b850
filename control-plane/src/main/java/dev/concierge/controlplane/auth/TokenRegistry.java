package dev.concierge.controlplane.auth;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.ResourceIds;
import dev.concierge.api.v1.TokenRole;
import dev.concierge.controlplane.store.JdbcTokens;
import dev.concierge.controlplane.store.StoreException;
import dev.concierge.controlplane.store.TokenRow;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The management tokens: the bootstrap one (named {@value #BOOTSTRAP}, an admin, from its file) and
 * the stored named ones with their roles, with a cache of the stored hashes.
 *
 * <p>Several control planes may share the database, so the cache is reloaded when it is older than
 * {@link #MAX_AGE} and whenever a presented token is not in it (a token created elsewhere works at
 * once; management calls are rare, so a refused guess costing one query is acceptable). A token
 * deleted on this control plane stops working at once; one deleted on another within {@link
 * #MAX_AGE}. Thread-safe.
 */
public final class TokenRegistry {
  /** The name of the bootstrap token of {@code <dataDir>/admin.token}. */
  public static final String BOOTSTRAP = "admin";

  /** How long a cached view of the stored tokens is trusted for a token it contains. */
  public static final Duration MAX_AGE = Duration.ofSeconds(5);

  private static final int SECRET_BYTES = 32;

  private final byte[] bootstrapSecret;
  private final JdbcTokens tokens;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  private final Object lock = new Object();
  // Both guarded by lock.
  private Map<String, TokenRow> byHash = Map.of();
  private @Nullable Instant loadedAt;

  public TokenRegistry(String bootstrapSecret, JdbcTokens tokens, Clock clock) {
    this.bootstrapSecret =
        requireNonNull(bootstrapSecret, "bootstrapSecret").getBytes(StandardCharsets.UTF_8);
    this.tokens = requireNonNull(tokens, "tokens");
    this.clock = requireNonNull(clock, "clock");
  }

  /** The token with this secret, if any. */
  public Optional<Principal> find(String secret) {
    // Constant time for the bootstrap token; stored ones are found by hash, which leaks nothing.
    if (MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8), bootstrapSecret)) {
      return Optional.of(new Principal(BOOTSTRAP, TokenRole.TOKEN_ROLE_ADMIN));
    }
    String hash = sha256(secret);
    TokenRow row = cached(hash, false);
    if (row == null) {
      row = cached(hash, true);
    }
    return row == null ? Optional.empty() : Optional.of(new Principal(row.name(), row.role()));
  }

  private @Nullable TokenRow cached(String hash, boolean reload) {
    synchronized (lock) {
      Instant now = clock.instant();
      if (reload || loadedAt == null || now.isAfter(loadedAt.plus(MAX_AGE))) {
        byHash = Map.copyOf(tokens.byHash());
        loadedAt = now;
      }
      return byHash.get(hash);
    }
  }

  /**
   * A new token of this name and role (UNSPECIFIED means admin); the secret is only in the answer.
   */
  public Created create(String name, TokenRole role, String createdBy) {
    checkName(name);
    if (name.equals(BOOTSTRAP)) {
      throw new StoreException(
          StoreException.Reason.ALREADY_EXISTS, "token \"" + BOOTSTRAP + "\" already exists");
    }
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    TokenRole stored = role == TokenRole.TOKEN_ROLE_UNSPECIFIED ? TokenRole.TOKEN_ROLE_ADMIN : role;
    if (stored != TokenRole.TOKEN_ROLE_ADMIN && stored != TokenRole.TOKEN_ROLE_READ_ONLY) {
      throw new IllegalArgumentException("unknown token role " + role);
    }
    TokenRow row = tokens.create(name, stored, sha256(secret), clock.instant(), createdBy);
    return new Created(row, secret);
  }

  /** Every stored token, by name (the bootstrap one is not stored). */
  public List<TokenRow> list() {
    return tokens.list();
  }

  /** Deletes a stored token; this control plane refuses it from now on. */
  public void delete(String name) {
    checkName(name);
    if (name.equals(BOOTSTRAP)) {
      throw new IllegalStateException(
          "the bootstrap token \"" + BOOTSTRAP + "\" cannot be deleted (replace admin.token)");
    }
    try {
      tokens.delete(name);
    } finally {
      synchronized (lock) {
        loadedAt = null;
      }
    }
  }

  /** A malformed token name is an IllegalArgumentException with the rule. */
  public static void checkName(String name) {
    if (!ResourceIds.isId(name)) {
      throw new IllegalArgumentException("token name \"" + name + "\" " + ResourceIds.RULE);
    }
  }

  static String sha256(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * A created token.
   *
   * @param token its stored row
   * @param secret the bearer secret, shown once
   */
  public record Created(TokenRow token, String secret) {
    public Created {
      requireNonNull(token, "token");
      requireNonNull(secret, "secret");
    }
  }
}
