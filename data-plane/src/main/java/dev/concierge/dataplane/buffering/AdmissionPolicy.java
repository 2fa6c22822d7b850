package dev.concierge.dataplane.buffering;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How a node admits a client's request before it goes upstream (nginx's {@code client_*} settings,
 * but with total deadlines instead of per-read timeouts). Immutable.
 *
 * @param memoryLimit body bytes kept in pooled memory; a larger body is spilled to a temporary
 *     file. Default 16 KiB, nginx's {@code client_body_buffer_size} on 64-bit: memory is taken only
 *     as bytes arrive, so ten thousand concurrent uploads cost at most ~160 MiB, and anything
 *     larger goes to the page cache through a file instead of the heap.
 * @param maxBodySize largest accepted body in bytes, 0 = unlimited; larger ones get 413. Default 1
 *     MiB, nginx's {@code client_max_body_size}: every accepted body is read in full before it goes
 *     upstream, so the bound also bounds disk use and the time a body may take.
 * @param headerTimeout total time for a client to deliver a request's header block, from the
 *     connection's open or the first byte of the request on a kept-alive connection; not reset by
 *     trickled bytes. Default 10 s: a real header block arrives in one round trip, while nginx's 60
 *     s {@code client_header_timeout} is per read and lets a trickler stay for ever.
 * @param bodyTimeout total time for a client to deliver the body, from the end of its header block;
 *     408 when exceeded. Default 30 s: a full 1 MiB body then needs about 35 KB/s; raise it
 *     together with {@code maxBodySize} for uploads.
 * @param spillDirectory where bodies above {@code memoryLimit} are kept (files 0600, deleted when
 *     the request completes). Default {@code java.io.tmpdir}.
 */
public record AdmissionPolicy(
    int memoryLimit,
    long maxBodySize,
    Duration headerTimeout,
    Duration bodyTimeout,
    Path spillDirectory) {

  /** Default {@link #memoryLimit()}: 16 KiB. */
  public static final int DEFAULT_MEMORY_LIMIT = 16 * 1024;

  /** Default {@link #maxBodySize()}: 1 MiB. */
  public static final long DEFAULT_MAX_BODY_SIZE = 1024 * 1024;

  /** Default {@link #headerTimeout()}: 10 s. */
  public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);

  /** Default {@link #bodyTimeout()}: 30 s. */
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(30);

  public AdmissionPolicy {
    if (memoryLimit < 0) {
      throw new IllegalArgumentException("memoryLimit must be >= 0: " + memoryLimit);
    }
    if (maxBodySize < 0) {
      throw new IllegalArgumentException(
          "maxBodySize must be >= 0 (0 = unlimited): " + maxBodySize);
    }
    requireNonNull(headerTimeout, "headerTimeout");
    requireNonNull(bodyTimeout, "bodyTimeout");
    requireNonNull(spillDirectory, "spillDirectory");
    if (headerTimeout.isNegative() || headerTimeout.isZero()) {
      throw new IllegalArgumentException("headerTimeout must be positive: " + headerTimeout);
    }
    if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
      throw new IllegalArgumentException("bodyTimeout must be positive: " + bodyTimeout);
    }
  }

  /** 16 KiB in memory, 1 MiB at most, 10 s for the headers, 30 s for the body, java.io.tmpdir. */
  public static AdmissionPolicy defaults() {
    return new AdmissionPolicy(
        DEFAULT_MEMORY_LIMIT,
        DEFAULT_MAX_BODY_SIZE,
        DEFAULT_HEADER_TIMEOUT,
        DEFAULT_BODY_TIMEOUT,
        Path.of(System.getProperty("java.io.tmpdir")));
  }

  /** This policy with another memory limit. */
  public AdmissionPolicy withMemoryLimit(int bytes) {
    return new AdmissionPolicy(bytes, maxBodySize, headerTimeout, bodyTimeout, spillDirectory);
  }

  /** This policy with another maximum body size (0 = unlimited). */
  public AdmissionPolicy withMaxBodySize(long bytes) {
    return new AdmissionPolicy(memoryLimit, bytes, headerTimeout, bodyTimeout, spillDirectory);
  }

  /** This policy with another header deadline. */
  public AdmissionPolicy withHeaderTimeout(Duration timeout) {
    return new AdmissionPolicy(memoryLimit, maxBodySize, timeout, bodyTimeout, spillDirectory);
  }

  /** This policy with another body deadline. */
  public AdmissionPolicy withBodyTimeout(Duration timeout) {
    return new AdmissionPolicy(memoryLimit, maxBodySize, headerTimeout, timeout, spillDirectory);
  }

  /** This policy with another spill directory. */
  public AdmissionPolicy withSpillDirectory(Path dir) {
    return new AdmissionPolicy(memoryLimit, maxBodySize, headerTimeout, bodyTimeout, dir);
  }
}
