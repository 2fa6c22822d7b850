package dev.concierge.dataplane.runtime;

import dev.concierge.dataplane.acme.AcmeChallenges;
import dev.concierge.dataplane.routing.RouteTable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The runtime currently in force. Request code reads it once per request and keeps what it read, so
 * a swap never changes a request half-way. Thread-safe.
 */
public final class RuntimeHolder {
  private final AtomicReference<Runtime> current = new AtomicReference<>();
  private final Consumer<Runtime> onSwap;

  /** A holder with nothing to do on a swap. */
  public RuntimeHolder() {
    this(runtime -> {});
  }

  /**
   * @param onSwap told of each runtime put in force, after the swap (prunes node-lifetime state)
   */
  public RuntimeHolder(Consumer<Runtime> onSwap) {
    this.onSwap = java.util.Objects.requireNonNull(onSwap, "onSwap");
  }

  /** The runtime in force, or {@code null} before the first configuration. */
  public @Nullable Runtime get() {
    return current.get();
  }

  /** Puts {@code runtime} in force for requests that start from now on. */
  public void set(Runtime runtime) {
    current.set(runtime);
    onSwap.accept(runtime);
  }

  /** The route table in force, or {@code null} before the first configuration. */
  public @Nullable RouteTable routes() {
    Runtime runtime = current.get();
    return runtime == null ? null : runtime.routes();
  }

  /** The pending ACME challenges in force; none before the first configuration. */
  public AcmeChallenges acmeChallenges() {
    Runtime runtime = current.get();
    return runtime == null ? AcmeChallenges.none() : runtime.acmeChallenges();
  }

  /** The revision in force, or -1 before the first configuration. */
  public long revision() {
    Runtime runtime = current.get();
    return runtime == null ? -1 : runtime.revision();
  }
}
