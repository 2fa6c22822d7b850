package dev.concierge.dataplane.jwt;

import static java.util.Objects.requireNonNull;

import com.nimbusds.jose.jwk.JWKSet;
import java.lang.ref.WeakReference;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys at a {@code jwks_uri}, fetched by the node off the request path: once at start, then
 * every cache duration in the background, and early (at most once per {@link
 * #EARLY_REFRESH_INTERVAL}) when a token names a key the set lacks. A failed fetch keeps the last
 * good set and is logged once per streak of failures. Thread-safe; the request path only reads
 * {@link #keys()}.
 */
final class RemoteJwks implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RemoteJwks.class);

  /** The shortest time between two early refreshes, unless the cache duration is shorter. */
  static final Duration EARLY_REFRESH_INTERVAL = Duration.ofSeconds(5);

  private final URI uri;
  private final Duration cacheFor;
  private final long minIntervalNanos;
  private final JwksFetcher fetcher;
  private final LongSupplier nanoTime;
  private final AtomicReference<@Nullable KeyRing> keys = new AtomicReference<>();
  private final CompletableFuture<KeyRing> firstLoad = new CompletableFuture<>();
  private final AtomicReference<@Nullable CompletableFuture<KeyRing>> inFlight =
      new AtomicReference<>();
  private final AtomicLong lastFetchNanos;
  private volatile boolean failing;
  private volatile @Nullable ScheduledFuture<?> schedule;

  RemoteJwks(URI uri, Duration cacheFor, JwksFetcher fetcher, LongSupplier nanoTime) {
    this.uri = requireNonNull(uri, "uri");
    this.cacheFor = requireNonNull(cacheFor, "cacheFor");
    this.fetcher = requireNonNull(fetcher, "fetcher");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.minIntervalNanos = Math.min(cacheFor.toNanos(), EARLY_REFRESH_INTERVAL.toNanos());
    this.lastFetchNanos = new AtomicLong(nanoTime.getAsLong() - minIntervalNanos - 1);
  }

  /**
   * Fetches now and then every cache duration on {@code scheduler}, for as long as anything holds
   * this source (the schedule holds it weakly, so a source no runtime uses any more stops).
   */
  RemoteJwks start(ScheduledExecutorService scheduler) {
    var unused = refresh();
    long millis = Math.max(1, cacheFor.toMillis());
    WeakReference<RemoteJwks> self = new WeakReference<>(this);
    AtomicReference<@Nullable ScheduledFuture<?>> own = new AtomicReference<>();
    ScheduledFuture<?> running =
        scheduler.scheduleWithFixedDelay(
            () -> {
              RemoteJwks source = self.get();
              if (source != null) {
                var unusedRefresh = source.refresh();
              } else {
                ScheduledFuture<?> task = own.get();
                if (task != null) {
                  task.cancel(false);
                }
              }
            },
            millis,
            millis,
            TimeUnit.MILLISECONDS);
    own.set(running);
    schedule = running;
    return this;
  }

  /** The last good key set, or null before the first fetch succeeded. */
  @Nullable KeyRing keys() {
    return keys.get();
  }

  /** Completes with the first good key set (never exceptionally). */
  CompletableFuture<KeyRing> firstLoad() {
    return firstLoad;
  }

  /**
   * An early fetch for a token whose key is not in the set, or null when one ran within the
   * interval (so a stream of tokens with made-up kids costs the issuer one fetch per interval).
   */
  @Nullable CompletableFuture<KeyRing> refreshEarly() {
    long now = nanoTime.getAsLong();
    long last = lastFetchNanos.get();
    if (now - last < minIntervalNanos || !lastFetchNanos.compareAndSet(last, now)) {
      return null;
    }
    return fetch();
  }

  /** Fetches now (the background schedule). */
  CompletableFuture<KeyRing> refresh() {
    lastFetchNanos.set(nanoTime.getAsLong());
    return fetch();
  }

  private CompletableFuture<KeyRing> fetch() {
    CompletableFuture<KeyRing> mine = new CompletableFuture<>();
    CompletableFuture<KeyRing> running = inFlight.compareAndExchange(null, mine);
    if (running != null) {
      return running;
    }
    CompletableFuture<String> body;
    try {
      body = fetcher.fetch(uri);
    } catch (RuntimeException e) {
      body = CompletableFuture.failedFuture(e);
    }
    var unused =
        body.thenApply(RemoteJwks::parse)
            .whenComplete(
                (ring, failure) -> {
                  inFlight.set(null);
                  if (failure == null && ring != null) {
                    keys.set(ring);
                    if (failing) {
                      LOG.info("JWKS {}: fetched again, {} keys", uri, ring.size());
                    }
                    failing = false;
                    firstLoad.complete(ring);
                    mine.complete(ring);
                    return;
                  }
                  if (!failing) {
                    failing = true;
                    LOG.warn(
                        "JWKS {}: fetch failed, keeping the last good set: {}",
                        uri,
                        failure == null ? "no keys" : failure.toString());
                  }
                  KeyRing last = keys.get();
                  mine.complete(last != null ? last : KeyRing.empty());
                });
    return mine;
  }

  private static KeyRing parse(String text) {
    try {
      return KeyRing.of(JWKSet.parse(text), false);
    } catch (java.text.ParseException e) {
      throw new IllegalArgumentException("not a JWK Set: " + e.getMessage(), e);
    }
  }

  /** The URI fetched. */
  URI uri() {
    return uri;
  }

  /** Stops the background schedule; the keys stay readable. */
  @Override
  public void close() {
    ScheduledFuture<?> running = schedule;
    if (running != null) {
      running.cancel(false);
    }
  }
}
