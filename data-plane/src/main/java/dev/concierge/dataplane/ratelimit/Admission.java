package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What {@link RateLimitPolicy#admit} decided: the request passes, is refused, or waits for the
 * shared store of a GLOBAL limit and is to be asked about again when {@link #retry()} completes.
 * Immutable.
 */
public final class Admission {
  private static final Admission ADMITTED = new Admission(true, null);
  private static final Admission REFUSED = new Admission(false, null);

  private final boolean admitted;
  private final @Nullable CompletableFuture<Void> retry;

  private Admission(boolean admitted, @Nullable CompletableFuture<Void> retry) {
    this.admitted = admitted;
    this.retry = retry;
  }

  static Admission of(boolean admitted) {
    return admitted ? ADMITTED : REFUSED;
  }

  static Admission waitFor(CompletableFuture<Void> retry) {
    return new Admission(false, requireNonNull(retry, "retry"));
  }

  /** Whether the request may pass (false while it waits). */
  public boolean admitted() {
    return admitted;
  }

  /**
   * With a decision pending, what completes (normally, whatever the store answered) when the
   * request is to be asked about again; null when decided. Nothing was reported to the verdict.
   */
  public @Nullable CompletableFuture<Void> retry() {
    return retry;
  }
}
