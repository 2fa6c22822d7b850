package dev.concierge.dataplane.accesslog;

import java.io.Closeable;
import java.io.IOException;

/**
 * Where access log lines go: buffered and written out whole lines at a time, so that lines never
 * interleave with other writers of the same stream (stdout). Owned by the writer thread; not
 * thread-safe.
 */
abstract class LineSink implements Closeable {
  private final byte[] buffer = new byte[64 * 1024];
  private int length;

  /** Takes one line (its '\n' included), written out by {@link #flush} at the latest. */
  void line(byte[] line, int lineLength) throws IOException {
    if (length + lineLength > buffer.length) {
      flush();
    }
    if (lineLength > buffer.length) {
      emit(line, lineLength);
      return;
    }
    System.arraycopy(line, 0, buffer, length, lineLength);
    length += lineLength;
  }

  /** Bytes taken but not written out yet. */
  final int buffered() {
    return length;
  }

  /** Writes out the lines taken. */
  void flush() throws IOException {
    if (length > 0) {
      int n = length;
      length = 0;
      emit(buffer, n);
    }
  }

  /** Writes {@code bytes[0, length)}, whole lines. */
  protected abstract void emit(byte[] bytes, int length) throws IOException;
}
