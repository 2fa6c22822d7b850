package dev.concierge.dataplane.tls;

import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Counts the TLS handshakes of the node's HTTPS listener, completed and failed, since the node
 * started. Jetty tells it of each handshake once; lock-free, thread-safe.
 */
public final class HandshakeMeter implements SslHandshakeListener {
  private final LongAdder succeeded = new LongAdder();
  private final LongAdder failed = new LongAdder();

  @Override
  public void handshakeSucceeded(Event event) {
    succeeded.increment();
  }

  @Override
  public void handshakeFailed(Event event, Throwable failure) {
    failed.increment();
  }

  /** Handshakes completed, and failed: every handshake counted once. */
  public long total() {
    return succeeded.sum() + failed.sum();
  }

  /** Handshakes that failed. */
  public long failures() {
    return failed.sum();
  }
}
