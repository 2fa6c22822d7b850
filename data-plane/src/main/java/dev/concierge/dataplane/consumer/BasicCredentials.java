package dev.concierge.dataplane.consumer;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Every HTTP Basic credential of a snapshot's consumers, by username. Each username's entry caches
 * the digest of the last password that verified, so only a new password pays for bcrypt or argon2;
 * an entry whose consumer and hash are unchanged is carried into the next snapshot with its cache,
 * and a changed one starts empty (the old password no longer passes). The cache holds one digest
 * per username: bounded by the credentials themselves. The digest is SHA-256 over a random
 * per-process salt and the password, so the node's memory never holds a plain password digest.
 * Immutable apart from the caches, which are safely published; thread-safe.
 */
public final class BasicCredentials {
  private static final BasicCredentials EMPTY = new BasicCredentials(Map.of());
  private static final byte[] SALT = newSalt();

  private final Map<String, Entry> byUsername;

  private BasicCredentials(Map<String, Entry> byUsername) {
    this.byUsername = byUsername;
  }

  private static byte[] newSalt() {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    return salt;
  }

  /** No credentials at all. */
  public static BasicCredentials empty() {
    return EMPTY;
  }

  /**
   * The credentials of {@code snapshot}'s consumers (which passed the shared rules), reusing the
   * entries of {@code previous} whose consumer and hash are unchanged.
   */
  public static BasicCredentials of(ConfigSnapshot snapshot, BasicCredentials previous) {
    Map<String, Entry> byUsername = new HashMap<>();
    for (Consumer consumer : snapshot.getConsumersList()) {
      String id = ConsumerKeys.consumerId(consumer.getName());
      for (BasicCredential credential : consumer.getBasicCredentialsList()) {
        Entry before = previous.byUsername.get(credential.getUsername());
        Entry entry =
            before != null
                    && before.consumer.equals(id)
                    && before.hash.equals(credential.getPasswordHash())
                ? before
                : new Entry(id, credential.getPasswordHash());
        byUsername.put(credential.getUsername(), entry);
      }
    }
    return byUsername.isEmpty() ? EMPTY : new BasicCredentials(Map.copyOf(byUsername));
  }

  /** The entry of {@code username}, or null when no consumer has it. */
  @Nullable Entry find(String username) {
    return byUsername.get(username);
  }

  /** How many usernames there are. */
  public int size() {
    return byUsername.size();
  }

  /** The salted digest of a presented password, the cache's key. */
  static byte[] digest(String password) {
    byte[] utf8 = password.getBytes(StandardCharsets.UTF_8);
    byte[] salted = new byte[SALT.length + utf8.length];
    System.arraycopy(SALT, 0, salted, 0, SALT.length);
    System.arraycopy(utf8, 0, salted, SALT.length, utf8.length);
    return KeyHash.sha256(salted);
  }

  /** One username's consumer, verifier and cached verified digest. Thread-safe. */
  static final class Entry {
    private final String consumer;
    private final String hash;
    private final PasswordVerifier verifier;
    private volatile byte @Nullable [] verified;

    Entry(String consumer, String hash) {
      this.consumer = requireNonNull(consumer, "consumer");
      this.hash = requireNonNull(hash, "hash");
      this.verifier = PasswordVerifier.of(hash);
    }

    /** The consumer's id ("alice"). */
    String consumer() {
      return consumer;
    }

    /** Whether the password of {@code digest} passed before: no slow check needed. */
    boolean verifiedBefore(byte[] digest) {
      byte[] known = verified;
      return known != null && MessageDigest.isEqual(known, digest);
    }

    /** The slow check; a password that passes is remembered by its digest. */
    boolean verify(String password, byte[] digest) {
      if (verifier.matches(password)) {
        verified = digest;
        return true;
      }
      return false;
    }
  }
}
