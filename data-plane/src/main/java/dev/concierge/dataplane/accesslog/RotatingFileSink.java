package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Lines appended to a file that is rotated by size: before a line would take the file past the
 * limit, {@code file} becomes {@code file.1}, {@code file.1} becomes {@code file.2} and so on up to
 * {@code file.N} (the oldest is dropped), and a new {@code file} is begun. A line longer than the
 * limit gets a file of its own.
 */
final class RotatingFileSink extends LineSink {
  private final Path file;
  private final long maxBytes;
  private final int maxFiles;
  private OutputStream out;
  private long written;

  /**
   * Opens (creates or appends to) {@code file}.
   *
   * @param maxBytes the size a file is rotated at, at least 1
   * @param maxFiles how many rotated files are kept (0: none, the file starts over)
   */
  RotatingFileSink(Path file, long maxBytes, int maxFiles) throws IOException {
    if (maxBytes < 1 || maxFiles < 0) {
      throw new IllegalArgumentException(
          "maxBytes must be positive and maxFiles not negative: " + maxBytes + ", " + maxFiles);
    }
    this.file = requireNonNull(file, "file");
    this.maxBytes = maxBytes;
    this.maxFiles = maxFiles;
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    this.out = open();
    this.written = Files.size(file);
  }

  private OutputStream open() throws IOException {
    return Files.newOutputStream(
        file, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
  }

  @Override
  void line(byte[] line, int lineLength) throws IOException {
    long size = written + buffered();
    if (size > 0 && size + lineLength > maxBytes) {
      flush();
      rotate();
    }
    super.line(line, lineLength);
  }

  private void rotate() throws IOException {
    out.close();
    if (maxFiles == 0) {
      Files.deleteIfExists(file);
    } else {
      Files.deleteIfExists(rotated(maxFiles));
      for (int i = maxFiles - 1; i >= 1; i--) {
        Path older = rotated(i);
        if (Files.exists(older)) {
          Files.move(older, rotated(i + 1), StandardCopyOption.REPLACE_EXISTING);
        }
      }
      Files.move(file, rotated(1), StandardCopyOption.REPLACE_EXISTING);
    }
    out = open();
    written = 0;
  }

  private Path rotated(int index) {
    return file.resolveSibling(file.getFileName() + "." + index);
  }

  @Override
  protected void emit(byte[] bytes, int length) throws IOException {
    out.write(bytes, 0, length);
    written += length;
  }

  @Override
  public void close() throws IOException {
    try {
      flush();
    } finally {
      out.close();
    }
  }
}
