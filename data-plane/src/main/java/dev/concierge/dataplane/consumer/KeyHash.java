package dev.concierge.dataplane.consumer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A SHA-256 as a map key: presented API keys are hashed once and looked up by their hash, so the
 * node holds no key and compares no secret. Immutable.
 */
final class KeyHash {
  private static final ThreadLocal<MessageDigest> SHA_256 =
      ThreadLocal.withInitial(KeyHash::newDigest);

  private final byte[] bytes;
  private final int hash;

  private KeyHash(byte[] bytes) {
    this.bytes = bytes;
    this.hash = Arrays.hashCode(bytes);
  }

  /** The hash the control plane sent for a stored key (32 bytes, copied). */
  static KeyHash of(byte[] sha256) {
    return new KeyHash(sha256.clone());
  }

  /** The SHA-256 of {@code key}'s UTF-8 text, as the control plane computed it at creation. */
  static KeyHash ofKey(String key) {
    return new KeyHash(sha256(key.getBytes(StandardCharsets.UTF_8)));
  }

  /** SHA-256 of {@code bytes} on this thread's digest. */
  static byte[] sha256(byte[] bytes) {
    MessageDigest digest = SHA_256.get();
    digest.reset();
    return digest.digest(bytes);
  }

  private static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof KeyHash other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "KeyHash"; // never print a credential's hash
  }
}
