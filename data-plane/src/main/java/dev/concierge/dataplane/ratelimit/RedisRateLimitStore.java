package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The buckets of GLOBAL rate limits in Redis (Lettuce, one connection, asynchronous). A lease is
 * one {@code EVALSHA} of a Lua script that runs GCRA on Redis's own clock ({@code TIME}), so the
 * nodes' clocks never disagree: it grants up to the tokens asked for, and sets the key to expire
 * when its bucket would be full again, so idle keys vanish. Nothing queues while Redis is away:
 * commands are rejected at once when the connection is down ({@code REJECT_COMMANDS}) and time out
 * after {@link #COMMAND_TIMEOUT}; a connection that failed is tried again at most once a second.
 * Thread-safe.
 */
public final class RedisRateLimitStore implements RateLimitStore, AutoCloseable {
  /** How long a lease may take before it counts as failed. */
  static final Duration COMMAND_TIMEOUT = Duration.ofMillis(100);

  private static final long RECONNECT_NANOS = TimeUnit.SECONDS.toNanos(1);

  // Times in microseconds, as floats (Lua numbers): the bucket's theoretical arrival time (TAT) is
  // the instant it would be full again. Returns {granted, wait µs} or {granted, full-in µs}.
  static final String SCRIPT =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local interval = tonumber(ARGV[1])
      local capacity = tonumber(ARGV[2])
      local want = tonumber(ARGV[3])
      local tat = now
      local stored = redis.call('GET', KEYS[1])
      if stored then
        tat = math.max(tonumber(stored), now)
      end
      local free = math.floor((capacity - (tat - now)) / interval)
      if free < 1 then
        return {0, math.ceil(tat + interval - capacity - now)}
      end
      local granted = math.min(free, want)
      tat = tat + granted * interval
      redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX',
        math.max(1, math.ceil((tat - now) / 1000)))
      return {granted, math.ceil(tat - now)}
      """;

  private static final String SHA = RateLimitRule.digestHex("SHA-1", SCRIPT);

  private final RedisClient client;
  private final RedisURI uri;
  private final LongSupplier nanoTime;
  private final AtomicLong nextConnect;
  private volatile @Nullable CompletableFuture<StatefulRedisConnection<String, String>> connection;

  private RedisRateLimitStore(RedisURI uri, LongSupplier nanoTime) {
    this.uri = requireNonNull(uri, "uri");
    this.nanoTime = requireNonNull(nanoTime, "nanoTime");
    this.nextConnect = new AtomicLong(nanoTime.getAsLong());
    this.client = RedisClient.create();
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
            .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
            .build());
  }

  /**
   * A store at {@code redisUri} ({@code redis://host:port}, {@code rediss://} for TLS), with {@code
   * password} when not null; it connects at its first lease.
   *
   * @throws IllegalArgumentException if the URI is not a Redis URI
   */
  public static RedisRateLimitStore of(String redisUri, @Nullable String password) {
    RedisURI uri = RedisURI.create(redisUri);
    uri.setTimeout(COMMAND_TIMEOUT);
    if (password != null) {
      uri.setAuthentication(password.toCharArray());
    }
    return new RedisRateLimitStore(uri, System::nanoTime);
  }

  /**
   * Checks that {@code redisUri} is a Redis URI.
   *
   * @throws IllegalArgumentException saying why not
   */
  public static void check(String redisUri) {
    RedisURI.create(requireNonNull(redisUri, "redisUri"));
  }

  @Override
  public CompletionStage<Grant> lease(
      String key, long intervalNanos, long capacityNanos, long want) {
    CompletableFuture<StatefulRedisConnection<String, String>> connected = connected();
    if (connected == null) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("not connected to " + this + " (tried again each second)"));
    }
    String[] keys = {key};
    String[] args = {
      Double.toString(intervalNanos / 1000.0),
      Double.toString(capacityNanos / 1000.0),
      Long.toString(Math.max(1, want))
    };
    return connected.thenCompose(c -> run(c, keys, args)).thenApply(RedisRateLimitStore::grant);
  }

  private static CompletionStage<List<Object>> run(
      StatefulRedisConnection<String, String> connection, String[] keys, String[] args) {
    CompletionStage<List<Object>> sent =
        connection.async().evalsha(SHA, ScriptOutputType.MULTI, keys, args);
    return sent.exceptionallyCompose(
        error -> {
          if (unwrap(error) instanceof RedisNoScriptException) {
            // Redis restarted or flushed its script cache: EVAL loads the script again.
            CompletionStage<List<Object>> loaded =
                connection.async().eval(SCRIPT, ScriptOutputType.MULTI, keys, args);
            return loaded;
          }
          return CompletableFuture.failedFuture(error);
        });
  }

  /** The connection, being made or made; null while a failed one waits to be tried again. */
  private @Nullable CompletableFuture<StatefulRedisConnection<String, String>> connected() {
    CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
    if (current != null && !current.isCompletedExceptionally()) {
      return current;
    }
    long now = nanoTime.getAsLong();
    long next = nextConnect.get();
    if (now - next < 0 || !nextConnect.compareAndSet(next, now + RECONNECT_NANOS)) {
      return null;
    }
    CompletableFuture<StatefulRedisConnection<String, String>> fresh =
        client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
    connection = fresh;
    return fresh;
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private static Grant grant(List<Object> reply) {
    long granted = ((Number) reply.get(0)).longValue();
    long micros = ((Number) reply.get(1)).longValue();
    long nanos = TimeUnit.MICROSECONDS.toNanos(Math.max(0, micros));
    return granted > 0 ? new Grant(granted, 0, nanos) : new Grant(0, nanos, 0);
  }

  @Override
  public void close() {
    CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
    if (current != null) {
      var unused = current.thenAccept(StatefulRedisConnection::close);
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  @Override
  public String toString() {
    return "Redis at " + uri.getHost() + ":" + uri.getPort();
  }
}
