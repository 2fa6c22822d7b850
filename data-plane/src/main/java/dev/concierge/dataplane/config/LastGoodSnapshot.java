package dev.concierge.dataplane.config;

import dev.concierge.api.crypto.KeyCipher;
import dev.concierge.api.v1.BasicCredential;
import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Consumer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The last applied snapshot on local disk, so that a node can start while the control plane is
 * down. Its certificates' private keys (and consumers' password hashes) are sealed with AES-256-GCM
 * under a key the node holds (bound to each certificate's name), so the file alone (a backup, a
 * copy, a support bundle) reveals no key; the file is also 0600 and replaced atomically (temp file,
 * then move), so a crash leaves either the old or the new snapshot, never half of one. Thread-safe.
 */
public final class LastGoodSnapshot {
  static final String FILE_NAME = "last-good-snapshot.pb";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** Marks a sealed key in the file, so a cache written before keys were sealed still loads. */
  static final String SEALED = "sealed:v1:";

  /** The default key file's name, beside the snapshot. */
  public static final String KEY_FILE_NAME = "cache.key";

  private final Path dir;
  private final Path file;
  private final KeyCipher keys;

  /**
   * @param dir where the snapshot lives
   * @param keys seals and opens the certificates' private keys
   */
  public LastGoodSnapshot(Path dir, KeyCipher keys) {
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
    this.keys = keys;
  }

  /**
   * The stored snapshot, if any, with its keys opened.
   *
   * @throws IOException when it cannot be read, or its keys were sealed under another key
   */
  public Optional<ConfigSnapshot> load() throws IOException {
    ConfigSnapshot stored;
    try (InputStream in = Files.newInputStream(file)) {
      stored = ConfigSnapshot.parseFrom(in);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    ConfigSnapshot.Builder opened = stored.toBuilder();
    for (Certificate.Builder certificate : opened.getCertificatesBuilderList()) {
      String key = certificate.getPrivateKey();
      if (key.startsWith(SEALED)) {
        try {
          certificate.setPrivateKey(
              keys.decrypt(key.substring(SEALED.length()), certificate.getName()));
        } catch (IllegalArgumentException e) {
          throw new IOException(
              "the key of " + certificate.getName() + " does not open with this node's cache key");
        }
      }
    }
    for (Consumer.Builder consumer : opened.getConsumersBuilderList()) {
      for (BasicCredential.Builder basic : consumer.getBasicCredentialsBuilderList()) {
        String hash = basic.getPasswordHash();
        if (hash.startsWith(SEALED)) {
          try {
            basic.setPasswordHash(
                keys.decrypt(hash.substring(SEALED.length()), consumer.getName()));
          } catch (IllegalArgumentException e) {
            throw new IOException(
                "the credentials of "
                    + consumer.getName()
                    + " do not open with this node's cache key");
          }
        }
      }
    }
    return Optional.of(opened.build());
  }

  /** Replaces the stored snapshot with {@code snapshot}. */
  public synchronized void save(ConfigSnapshot snapshot) throws IOException {
    Files.createDirectories(dir);
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] attrs =
        posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
            : new FileAttribute<?>[0];
    Path temp = Files.createTempFile(dir, FILE_NAME, ".tmp", attrs);
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(sealed(snapshot).toByteArray());
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
        // On disk before the move, so the rename never publishes an empty file after a crash.
        out.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private ConfigSnapshot sealed(ConfigSnapshot snapshot) {
    if (snapshot.getCertificatesCount() == 0 && snapshot.getConsumersCount() == 0) {
      return snapshot;
    }
    ConfigSnapshot.Builder sealed = snapshot.toBuilder();
    for (Certificate.Builder certificate : sealed.getCertificatesBuilderList()) {
      certificate.setPrivateKey(
          SEALED + keys.encrypt(certificate.getPrivateKey(), certificate.getName()));
    }
    // Password hashes too, against offline guessing; key hashes are of 256-bit random keys.
    for (Consumer.Builder consumer : sealed.getConsumersBuilderList()) {
      for (BasicCredential.Builder basic : consumer.getBasicCredentialsBuilderList()) {
        basic.setPasswordHash(SEALED + keys.encrypt(basic.getPasswordHash(), consumer.getName()));
      }
    }
    return sealed.build();
  }

  /** Where the snapshot lives. */
  public Path file() {
    return file;
  }
}
