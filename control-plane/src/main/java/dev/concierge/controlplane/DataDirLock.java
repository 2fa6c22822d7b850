package dev.concierge.controlplane;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data dir whose embedded database only one process may open: taken before
 * the database, with the holder's pid written in the lock file, so that a second control plane is
 * told who holds the directory instead of H2's "Database may be already in use". The operating
 * system drops the lock when the process dies, so a killed control plane never leaves the directory
 * locked.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE = "control-plane.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Locks {@code dataDir}, recording {@code holder} (pid and what it serves) in the lock file. */
  static DataDirLock acquire(Path dataDir, String holder) throws IOException {
    Path file = dataDir.resolve(FILE);
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process (tests run several control planes in one JVM)
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      String other = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
      channel.close();
      throw new DataDirInUseException(
          "data dir "
              + dataDir.toAbsolutePath()
              + " is in use by "
              + (other.isEmpty() ? "another control plane" : other)
              + ": stop it, or give this one another --data-dir");
    }
    DataDirLock held = new DataDirLock(channel, lock);
    held.record(holder);
    return held;
  }

  /** Replaces the holder's description, e.g. once the port it serves on is known. */
  void record(String holder) throws IOException {
    channel.truncate(0);
    channel.write(ByteBuffer.wrap(holder.getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(false);
  }

  /** Another live process holds the data dir. */
  static final class DataDirInUseException extends IOException {
    private static final long serialVersionUID = 1L;

    DataDirInUseException(String message) {
      super(message);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
