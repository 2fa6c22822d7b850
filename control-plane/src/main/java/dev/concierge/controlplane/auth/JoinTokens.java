package dev.concierge.controlplane.auth;

import static java.util.Objects.requireNonNull;

import dev.concierge.controlplane.store.JdbcJoinTokens;
import dev.concierge.controlplane.store.JoinTokenRow;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Node join tokens: made with a time to live, listed and revoked by id, and checked when a node
 * presents one. A secret is {@code <id>.<43 base64url characters>}; only its SHA-256 is stored.
 * Thread-safe.
 */
public final class JoinTokens {
  /** Time to live when none is asked for. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);

  static final Duration MIN_TTL = Duration.ofMinutes(1);
  static final Duration MAX_TTL = Duration.ofDays(30);

  private static final Pattern ID = Pattern.compile("[0-9a-f]{8}");
  private static final int SECRET_BYTES = 32;

  private final JdbcJoinTokens store;
  private final Clock clock;
  private final SecureRandom random;

  public JoinTokens(JdbcJoinTokens store, Clock clock, SecureRandom random) {
    this.store = requireNonNull(store, "store");
    this.clock = requireNonNull(clock, "clock");
    this.random = requireNonNull(random, "random");
  }

  /** A new token valid for {@code ttl} (zero: {@link #DEFAULT_TTL}); the secret is only here. */
  public Created create(Duration ttl, String createdBy) {
    Duration t = ttl.isZero() ? DEFAULT_TTL : ttl;
    if (t.compareTo(MIN_TTL) < 0 || t.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(
          "ttl must be between 1m and 30d (720h), not "
              + t.toString().substring(2).toLowerCase(java.util.Locale.ROOT));
    }
    byte[] idBytes = new byte[4];
    random.nextBytes(idBytes);
    String id = HexFormat.of().formatHex(idBytes);
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    String secret = id + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    Instant now = clock.instant();
    JoinTokenRow row = store.create(id, TokenRegistry.sha256(secret), now, now.plus(t), createdBy);
    return new Created(row, secret);
  }

  /** Every stored token, expired ones included. */
  public List<JoinTokenRow> list() {
    return store.list();
  }

  /** Revokes a token by id. */
  public void revoke(String id) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("a join token id is 8 hex digits, not \"" + id + "\"");
    }
    store.delete(id);
  }

  /** The token this secret belongs to, when it is stored and not expired. */
  public Optional<JoinTokenRow> check(String secret) {
    return store
        .byHash(TokenRegistry.sha256(secret))
        .filter(row -> clock.instant().isBefore(row.expireTime()));
  }

  /**
   * Why this secret admits no node (unknown or revoked, expired), or empty when it admits one. The
   * answer never repeats the secret.
   */
  public Optional<String> refusal(String secret) {
    if (secret.isEmpty()) {
      return Optional.of("no join token given");
    }
    Optional<JoinTokenRow> row = store.byHash(TokenRegistry.sha256(secret));
    if (row.isEmpty()) {
      return Optional.of("unknown or revoked join token");
    }
    Instant expired = row.get().expireTime();
    if (!clock.instant().isBefore(expired)) {
      return Optional.of("join token " + row.get().id() + " expired at " + expired);
    }
    return Optional.empty();
  }

  /**
   * A created token.
   *
   * @param token its stored row
   * @param secret what a node presents, shown once
   */
  public record Created(JoinTokenRow token, String secret) {
    public Created {
      requireNonNull(token, "token");
      requireNonNull(secret, "secret");
    }
  }
}
