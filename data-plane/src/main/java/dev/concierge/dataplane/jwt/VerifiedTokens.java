package dev.concierge.dataplane.jwt;

import com.nimbusds.jwt.JWTClaimsSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Tokens whose signature one policy already verified, so a client sending the same token again
 * costs a map lookup instead of an RSA or ECDSA check (tens to hundreds of microseconds). Keyed by
 * the token text itself (no hash collisions to reason about), each with its claims and the fetched
 * key set it was verified with: an entry is only used while that set is still the policy's (a
 * rotation that drops the key drops its tokens too), and the claim checks (exp, nbf, iss, aud,
 * required claims) run again on every use. At most {@link #MAX_ENTRIES} tokens; when full it is
 * emptied (cheap, and a burst of new tokens only costs their first verification). Only tokens that
 * passed are kept. Thread-safe.
 */
final class VerifiedTokens {
  /** Most tokens kept per policy (about 1 KB each). */
  static final int MAX_ENTRIES = 4096;

  /** One verified token. */
  record Entry(JWTClaimsSet claims, @Nullable KeyRing fetched) {}

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();

  /** The entry of {@code token} when it was verified with {@code fetched} (the current set). */
  @Nullable Entry find(String token, @Nullable KeyRing fetched) {
    Entry entry = entries.get(token);
    return entry != null && entry.fetched() == fetched ? entry : null;
  }

  /** Keeps {@code token}, verified with {@code fetched}. */
  void put(String token, JWTClaimsSet claims, @Nullable KeyRing fetched) {
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    entries.put(token, new Entry(claims, fetched));
  }

  /** Tokens kept now. */
  int size() {
    return entries.size();
  }
}
