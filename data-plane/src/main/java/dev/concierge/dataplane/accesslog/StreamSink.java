package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.OutputStream;

/** Lines into a stream (the process's standard output); the stream is not closed. */
final class StreamSink extends LineSink {
  private final OutputStream out;

  StreamSink(OutputStream out) {
    this.out = requireNonNull(out, "out");
  }

  @Override
  protected void emit(byte[] bytes, int length) throws IOException {
    out.write(bytes, 0, length);
    out.flush();
  }

  @Override
  public void close() throws IOException {
    flush();
  }
}
