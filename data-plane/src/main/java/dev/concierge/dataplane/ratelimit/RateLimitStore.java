package dev.concierge.dataplane.ratelimit;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the buckets of GLOBAL rate limits live, shared by the fleet (Redis in production, a fake in
 * tests): it grants a node a lease of up to {@code want} tokens at once from one key's bucket, a
 * token bucket of the same shape as a local one (GCRA on the store's own clock). Implementations
 * never block the caller: the answer comes through the returned stage, and a store that cannot
 * answer fails it. Thread-safe.
 */
public interface RateLimitStore {
  /**
   * Takes up to {@code want} tokens (at least 1) from the bucket {@code key}, which gains one token
   * every {@code intervalNanos} and is full {@code capacityNanos} after it was empty.
   */
  CompletionStage<Grant> lease(String key, long intervalNanos, long capacityNanos, long want);

  /**
   * What the store granted.
   *
   * @param granted tokens taken for the node, 0 when the bucket had none
   * @param waitNanos with none granted, how long until the bucket has one
   * @param fullInNanos with some granted, how long until the bucket is full again
   */
  record Grant(long granted, long waitNanos, long fullInNanos) {}

  /**
   * The store of a node started without {@code --redis}: every lease fails, so GLOBAL limits decide
   * by their {@code on_store_error}.
   */
  static RateLimitStore none() {
    return (key, intervalNanos, capacityNanos, want) ->
        CompletableFuture.failedFuture(
            new IllegalStateException(
                "no Redis for GLOBAL rate limits: start the node with --redis redis://HOST:PORT"));
  }
}
