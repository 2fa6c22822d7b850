package dev.concierge.dataplane.config;

import dev.concierge.api.v1.ConfigSnapshot;
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
 * down. It holds private keys: the file is 0600 and replaced atomically (temp file, then move), so
 * a crash leaves either the old or the new snapshot, never half of one. Thread-safe.
 */
public final class LastGoodSnapshot {
  static final String FILE_NAME = "last-good-snapshot.pb";
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  private final Path file;

  public LastGoodSnapshot(Path dir) {
    this.dir = dir;
    this.file = dir.resolve(FILE_NAME);
  }

  /** The stored snapshot, if any. */
  public Optional<ConfigSnapshot> load() throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Optional.of(ConfigSnapshot.parseFrom(in));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
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
        ByteBuffer bytes = ByteBuffer.wrap(snapshot.toByteArray());
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

  /** Where the snapshot lives. */
  public Path file() {
    return file;
  }
}
