package dev.concierge.api.crypto;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts private keys at rest with AES-256-GCM: a random 12-byte IV per encryption, the resource
 * name as additional authenticated data (so a ciphertext cannot be moved to another resource). The
 * master key lives in a file outside the database. Thread-safe.
 */
public final class KeyCipher {
  /** The master key's file name in the data directory. */
  public static final String MASTER_KEY_FILE = "master.key";

  private static final int IV_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int KEY_BYTES = 32;

  private final SecretKey key;
  private final SecureRandom random = new SecureRandom();

  private KeyCipher(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** A cipher under the given 32-byte key. */
  public static KeyCipher of(byte[] key) {
    if (key.length != KEY_BYTES) {
      throw new IllegalArgumentException(
          "master key must be " + KEY_BYTES + " bytes, not " + key.length);
    }
    return new KeyCipher(key.clone());
  }

  /** Reads {@code <dataDir>/master.key}, creating it (0600, random) when absent. */
  public static KeyCipher fromDataDir(Path dataDir) throws IOException {
    return fromFile(dataDir.resolve(MASTER_KEY_FILE));
  }

  /** Reads the base64 key in {@code file}, creating it (0600, random) when absent. */
  public static KeyCipher fromFile(Path file) throws IOException {
    if (!Files.exists(file)) {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      byte[] fresh = new byte[KEY_BYTES];
      new SecureRandom().nextBytes(fresh);
      try {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, Base64.getEncoder().encodeToString(fresh) + "\n");
      } catch (FileAlreadyExistsException raced) {
        // Another process created it first; read theirs below.
      }
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(Files.readString(file).trim());
    } catch (IllegalArgumentException e) {
      throw new IOException(file + " is not a base64 master key", e);
    }
    if (key.length != KEY_BYTES) {
      throw new IOException(file + " must hold " + KEY_BYTES + " bytes, not " + key.length);
    }
    return new KeyCipher(key);
  }

  /** base64(IV || ciphertext || tag) of the plaintext, bound to the resource name. */
  public String encrypt(String plaintext, String resourceName) {
    requireNonNull(plaintext, "plaintext");
    byte[] iv = new byte[IV_BYTES];
    random.nextBytes(iv);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
      cipher.updateAAD(resourceName.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder()
          .encodeToString(
              ByteBuffer.allocate(IV_BYTES + sealed.length).put(iv).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /**
   * The plaintext of a ciphertext made by {@link #encrypt} for the same resource name.
   *
   * @throws IllegalArgumentException when it was made under another key or for another name, or was
   *     altered
   */
  public String decrypt(String ciphertext, String resourceName) {
    byte[] all;
    try {
      all = Base64.getDecoder().decode(ciphertext);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("ciphertext of " + resourceName + " is not base64", e);
    }
    if (all.length < IV_BYTES + TAG_BITS / 8) {
      throw new IllegalArgumentException("ciphertext of " + resourceName + " is too short");
    }
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, IV_BYTES));
      cipher.updateAAD(resourceName.getBytes(StandardCharsets.UTF_8));
      return new String(
          cipher.doFinal(all, IV_BYTES, all.length - IV_BYTES), StandardCharsets.UTF_8);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new IllegalArgumentException(
          "ciphertext of " + resourceName + " does not authenticate", e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }
}
