package dev.concierge.controlplane.consumer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * Makes API keys: {@value #PREFIX} and 32 random bytes in base64url without padding (256 bits, 46
 * characters), recognisable in a secret scanner's rules and in a leaked log. Only the key's SHA-256
 * is ever stored. Stateless.
 */
public final class ApiKeys {
  /** What every key starts with ("Concierge Key"). */
  public static final String PREFIX = "ck_";

  /** How many leading characters of a key people see to tell keys apart. */
  public static final int DISPLAY_CHARACTERS = 7;

  private static final int RANDOM_BYTES = 32;

  private ApiKeys() {}

  /** A new key drawn from {@code random}, which must be a cryptographically strong generator. */
  public static String newKey(RandomGenerator random) {
    byte[] bytes = new byte[RANDOM_BYTES];
    random.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** A new key id: 8 lowercase hex digits. */
  public static String newId(RandomGenerator random) {
    return HexFormat.of().toHexDigits(random.nextInt());
  }

  /** The part of {@code key} people may see. */
  public static String displayPrefix(String key) {
    return key.substring(0, Math.min(DISPLAY_CHARACTERS, key.length()));
  }

  /** SHA-256 of the key's UTF-8 text, as nodes compute it of a presented key. */
  public static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
