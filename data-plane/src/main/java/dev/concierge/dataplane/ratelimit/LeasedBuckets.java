package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The buckets of one GLOBAL rate limit as one node sees them: the buckets live in the shared {@link
 * RateLimitStore}, and the node keeps per key a small budget of tokens leased from it, so most
 * requests decide without a round trip. Per key:
 *
 * <ul>
 *   <li>tokens in hand, usable for {@link #LEASE_TTL_NANOS} after they were leased: a request takes
 *       one with a CAS;
 *   <li>"refused until": the store said the bucket is empty until then, so requests are refused
 *       locally until then with the wait it gave;
 *   <li>"failing until": the store did not answer, so requests are decided by {@code
 *       on_store_error} until then, without asking it again;
 *   <li>at most one lease request in flight: a request that finds none of the above joins it and is
 *       decided again when it completes (never blocking a thread).
 * </ul>
 *
 * <p>The lease asked for starts at one token and doubles each time the store grants all of it, up
 * to {@code maxLease}; tokens left when a lease expires halve it. Tokens are taken from the shared
 * bucket when leased, so the fleet never spends more than the bucket gives out; a leased token is
 * spent at most {@link #LEASE_TTL_NANOS} later, which bounds how far a node's admissions can trail
 * the bucket (README: the over-admission bound). Thread-safe; lock-free on the request path.
 */
final class LeasedBuckets {
  /** What {@link #take} answers when the decision waits for the store. */
  static final long PENDING = 0;

  /** How long leased tokens are usable. */
  static final long LEASE_TTL_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** After a failed lease, how long the key is decided without the store before it asks again. */
  static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The longest a lease request may take before it counts as failed. */
  static final long TIMEOUT_MILLIS = 250;

  private final String policy;
  private final String namespace;
  private final Function<Object, String> keyText;
  private final long intervalNanos;
  private final long capacityNanos;
  private final long maxLease;
  private final boolean failOpen;
  private final GlobalLimits global;
  private final ConcurrentHashMap<Object, Lease> leases = new ConcurrentHashMap<>();

  /**
   * @param policy the policy's name, for the log
   * @param namespace the prefix of the store's keys of this limit (policy and settings)
   * @param keyText the store's name of a bucket key
   * @param intervalNanos time to gain one token
   * @param capacityNanos time to fill from empty (burst × interval)
   * @param maxLease most tokens leased at once
   * @param failOpen whether a request decided without the store passes
   */
  LeasedBuckets(
      String policy,
      String namespace,
      Function<Object, String> keyText,
      long intervalNanos,
      long capacityNanos,
      long maxLease,
      boolean failOpen,
      GlobalLimits global) {
    this.policy = requireNonNull(policy, "policy");
    this.namespace = requireNonNull(namespace, "namespace");
    this.keyText = requireNonNull(keyText, "keyText");
    this.intervalNanos = Math.max(1, intervalNanos);
    this.capacityNanos = Math.max(this.intervalNanos, capacityNanos);
    this.maxLease = Math.max(1, maxLease);
    this.failOpen = failOpen;
    this.global = requireNonNull(global, "global");
  }

  /**
   * The largest lease of a limit of one token per {@code intervalNanos} with {@code burst} tokens:
   * what the limit gains in 100 ms, at most a tenth of the burst, at least 1. So the tokens a node
   * may hold unspent are worth at most 100 ms of the rate.
   */
  static long maxLease(long intervalNanos, long burst) {
    long perTenth = TimeUnit.MILLISECONDS.toNanos(100) / Math.max(1, intervalNanos);
    return Math.max(1, Math.min(perTenth, burst / 10));
  }

  /** Where a request that must wait for the store finds what to wait on. */
  static final class Wait {
    @Nullable CompletableFuture<Void> stage;
  }

  /**
   * Takes a token of {@code key}'s bucket at {@code now}: how long until the bucket is full again
   * (above 0) when the request may pass, minus how long until a token comes when it may not, or
   * {@link #PENDING} with {@code wait} holding the lease request to wait for before asking again.
   */
  long take(Object key, long now, Wait wait) {
    Lease lease = leases.get(key);
    if (lease == null) {
      lease = leases.computeIfAbsent(key, k -> new Lease(now));
    }
    lease.touched = now;
    while (true) {
      long tokens = lease.tokens.get();
      if (tokens <= 0) {
        break;
      }
      if (lease.expires - now <= 0) {
        // Unspent when the lease ran out: ask for less next time.
        if (lease.tokens.compareAndSet(tokens, 0)) {
          lease.size = Math.max(1, lease.size / 2);
        }
        continue;
      }
      if (lease.tokens.compareAndSet(tokens, tokens - 1)) {
        // Tokens still in hand are, for the client, still in the bucket.
        long fullIn = lease.fullAt - now - (tokens - 1) * intervalNanos;
        return Math.max(intervalNanos, fullIn);
      }
    }
    long refusedFor = lease.refusedUntil - now;
    if (refusedFor > 0) {
      return -refusedFor;
    }
    long failingFor = lease.failingUntil - now;
    if (failingFor > 0) {
      global.decidedWithoutStore();
      return failOpen ? intervalNanos : -failingFor;
    }
    wait.stage = fetch(key, lease);
    return PENDING;
  }

  /** The lease request in flight for {@code lease}, started if there is none. */
  private CompletableFuture<Void> fetch(Object key, Lease lease) {
    while (true) {
      CompletableFuture<Void> current = lease.fetch.get();
      if (current != null) {
        return current;
      }
      CompletableFuture<Void> mine = new CompletableFuture<>();
      if (lease.fetch.compareAndSet(null, mine)) {
        long want = Math.min(lease.size, maxLease);
        CompletableFuture<RateLimitStore.Grant> grant;
        try {
          grant =
              global
                  .store()
                  .lease(namespace + keyText.apply(key), intervalNanos, capacityNanos, want)
                  .toCompletableFuture();
        } catch (RuntimeException e) {
          grant = CompletableFuture.failedFuture(e);
        }
        var unused =
            grant
                .orTimeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
                .whenComplete((granted, error) -> settle(lease, want, granted, error, mine));
        return mine;
      }
    }
  }

  private void settle(
      Lease lease,
      long want,
      RateLimitStore.@Nullable Grant grant,
      @Nullable Throwable error,
      CompletableFuture<Void> done) {
    long now = global.nanoTime().getAsLong();
    if (error != null || grant == null) {
      lease.failingUntil = now + RETRY_NANOS;
      global.leaseFailed(policy, error != null ? error : new IllegalStateException("no answer"));
    } else if (grant.granted() > 0) {
      lease.fullAt = now + grant.fullInNanos();
      lease.expires = now + LEASE_TTL_NANOS;
      lease.tokens.addAndGet(grant.granted());
      if (grant.granted() >= want) {
        lease.size = Math.min(maxLease, want * 2);
      }
    } else {
      lease.refusedUntil = now + Math.max(1, grant.waitNanos());
    }
    lease.fetch.set(null);
    done.complete(null);
  }

  /** Drops the state of keys not asked for a while with nothing in flight; returns how many. */
  int sweep(long now) {
    int dropped = 0;
    for (var entry : leases.entrySet()) {
      Lease lease = entry.getValue();
      if (now - lease.touched > 2 * LEASE_TTL_NANOS
          && lease.fetch.get() == null
          && leases.remove(entry.getKey(), lease)) {
        dropped++;
      }
    }
    return dropped;
  }

  /** Keys with state now. */
  int size() {
    return leases.size();
  }

  /** One key's state on this node. */
  private static final class Lease {
    final AtomicLong tokens = new AtomicLong();
    final AtomicReference<@Nullable CompletableFuture<Void>> fetch = new AtomicReference<>();
    volatile long expires;
    volatile long refusedUntil;
    volatile long failingUntil;
    volatile long fullAt;
    volatile long size = 1;
    volatile long touched;

    Lease(long now) {
      this.expires = now;
      this.refusedUntil = now;
      this.failingUntil = now;
      this.fullAt = now;
      this.touched = now;
    }
  }
}
