package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/** Where a node writes its access log: nowhere, standard output, or a file rotated by size. */
public sealed interface AccessLogDestination {
  /** Default size a log file is rotated at: 100 MiB. */
  long DEFAULT_MAX_BYTES = 100L << 20;

  /** Default number of rotated files kept. */
  int DEFAULT_MAX_FILES = 5;

  /** No access log. */
  static AccessLogDestination off() {
    return Off.INSTANCE;
  }

  /** The process's standard output (the default). */
  static AccessLogDestination stdout() {
    return Stdout.INSTANCE;
  }

  /** {@code path}, rotated at 100 MiB, five rotated files kept. */
  static AccessLogDestination file(Path path) {
    return new File(path, DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES);
  }

  /** No access log. */
  enum Off implements AccessLogDestination {
    INSTANCE
  }

  /** Standard output. */
  enum Stdout implements AccessLogDestination {
    INSTANCE
  }

  /**
   * A file rotated by size ({@code path.1} … {@code path.N}).
   *
   * @param maxBytes the size the file is rotated at, at least 1
   * @param maxFiles how many rotated files are kept, at least 0
   */
  record File(Path path, long maxBytes, int maxFiles) implements AccessLogDestination {
    public File {
      requireNonNull(path, "path");
      if (maxBytes < 1) {
        throw new IllegalArgumentException("access log max size must be positive: " + maxBytes);
      }
      if (maxFiles < 0) {
        throw new IllegalArgumentException(
            "access log max files must not be negative: " + maxFiles);
      }
    }
  }
}
