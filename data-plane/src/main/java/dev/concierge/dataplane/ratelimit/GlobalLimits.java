package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's link to the store of GLOBAL rate limits, and what it counts of it: the requests decided
 * without the store (by {@code on_store_error}), with a log line at most once a minute however many
 * there are. Node-lifetime; closing it closes the store. Thread-safe.
 */
public final class GlobalLimits implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GlobalLimits.class);
  private static final long LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final RateLimitStore store;
  private final LongSupplier nanoTime;
  private final LongAdder storeErrors = new LongAdder();
  private final LongAdder unlogged = new LongAdder();
  private final AtomicLong nextLog;

  private GlobalLimits(RateLimitStore store, LongSupplier nanoTime) {
    this.store = requireNonNull(store, "store");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.nextLog = new AtomicLong(nanoTime.getAsLong());
  }

  /** GLOBAL limits through {@code store}, on the clock {@code nanoTime}. */
  public static GlobalLimits of(RateLimitStore store, LongSupplier nanoTime) {
    return new GlobalLimits(store, nanoTime);
  }

  /** A node without a store: every GLOBAL limit decides by its {@code on_store_error}. */
  public static GlobalLimits none() {
    return new GlobalLimits(RateLimitStore.none(), System::nanoTime);
  }

  RateLimitStore store() {
    return store;
  }

  LongSupplier nanoTime() {
    return nanoTime;
  }

  /** Requests decided without the store since the node started. */
  public long storeErrors() {
    return storeErrors.sum();
  }

  /** Counts a request of {@code policy} decided without the store. */
  void decidedWithoutStore() {
    storeErrors.increment();
    unlogged.increment();
  }

  /** Notes that a lease of {@code policy} failed with {@code error}; logs at most once a minute. */
  void leaseFailed(String policy, Throwable error) {
    long now = nanoTime.getAsLong();
    long next = nextLog.get();
    if (now - next >= 0 && nextLog.compareAndSet(next, now + LOG_EVERY_NANOS)) {
      Throwable cause = error.getCause() != null ? error.getCause() : error;
      LOG.warn(
          "rate limit {}: Redis did not answer ({}); GLOBAL limits decide by their"
              + " on_store_error for now ({} requests decided so since the last such line)",
          policy,
          cause.toString(),
          unlogged.sumThenReset());
    }
  }

  @Override
  public void close() {
    if (store instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        LOG.warn("closing the rate-limit store: {}", e.toString());
      }
    }
  }
}
