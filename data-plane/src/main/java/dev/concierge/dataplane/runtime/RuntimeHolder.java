package dev.concierge.dataplane.runtime;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The runtime currently in force. Request code reads it once per request and keeps what it read,
 * so a swap never changes a request half-way. Thread-safe.
 */
public final class RuntimeHolder {
  private final AtomicReference<Runtime> current = new AtomicReference<>();

  /** The runtime in force, or {@code null} before the first configuration. */
  public Runtime get() {
    return current.get();
  }

  /** Puts {@code runtime} in force for requests that start from now on. */
  public void set(Runtime runtime) {
    current.set(runtime);
  }

  /** The revision in force, or -1 before the first configuration. */
  public long revision() {
    Runtime runtime = current.get();
    return runtime == null ? -1 : runtime.revision();
  }
}
