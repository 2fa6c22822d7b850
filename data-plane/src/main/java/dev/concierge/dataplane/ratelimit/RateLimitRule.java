package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.RateLimit;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.jetty.http.HttpFields;
import org.jspecify.annotations.Nullable;

/**
 * One rate-limit policy, compiled: its rate, what a bucket is kept for, whether it only counts, and
 * its buckets and refusal counters, which are node-lifetime state: the compiler reuses the rule
 * while the policy's settings are unchanged, so a config swap keeps every bucket. Thread-safe.
 */
public final class RateLimitRule {
  // The key of the one bucket of a ROUTE limit, and of requests without a HEADER limit's header.
  private static final Object ROUTE = new Object();
  private static final Object ABSENT = new Object();

  private final String policy;
  private final String id;
  private final RateLimit limit;
  private final RateLimit.Key key;
  private final @Nullable String header;
  private final @Nullable String claim;
  private final boolean dryRun;
  private final long requests;
  private final TokenBuckets buckets;
  // Set for a GLOBAL limit, whose buckets live in the shared store (then `buckets` only gives the
  // shape for the response fields).
  private final @Nullable LeasedBuckets leased;
  private final String policyField;
  private final Map<String, LongAdder> refusedByRoute = new ConcurrentHashMap<>();

  private RateLimitRule(String policy, RateLimit limit, GlobalLimits global) {
    this.policy = requireNonNull(policy, "policy");
    this.id = policy.substring(policy.indexOf('/') + 1);
    this.limit = requireNonNull(limit, "limit");
    this.key =
        limit.getKey() == RateLimit.Key.KEY_UNSPECIFIED ? RateLimit.Key.CLIENT : limit.getKey();
    this.header = key == RateLimit.Key.HEADER ? limit.getHeader() : null;
    this.claim = key == RateLimit.Key.CLAIM ? limit.getClaim() : null;
    this.dryRun = limit.getDryRun();
    this.requests = Integer.toUnsignedLong(limit.getRequests());
    long burst = limit.getBurst() == 0 ? requests : Integer.toUnsignedLong(limit.getBurst());
    long unitNanos = unitNanos(limit.getUnit());
    this.buckets = new TokenBuckets(unitNanos / Math.max(1, requests), burst);
    this.leased =
        limit.getScope() == RateLimit.Scope.GLOBAL
            ? new LeasedBuckets(
                policy,
                "concierge:rl:" + policy + ":" + shapeHash(limit) + ":",
                RateLimitRule::storeKey,
                buckets.intervalNanos(),
                buckets.capacityNanos(),
                LeasedBuckets.maxLease(buckets.intervalNanos(), burst),
                limit.getOnStoreError() != RateLimit.OnStoreError.FAIL_CLOSED,
                global)
            : null;
    // draft-ietf-httpapi-ratelimit-headers: the quota and its window, in seconds.
    this.policyField =
        "\"" + id + "\";q=" + burst + ";w=" + Math.max(1, ceilSeconds(buckets.capacityNanos()));
  }

  /**
   * The rule of the policy named {@code policy}, whose limit passed the shared rules; a GLOBAL one
   * finds its buckets through {@code global}.
   */
  public static RateLimitRule of(String policy, RateLimit limit, GlobalLimits global) {
    return new RateLimitRule(policy, limit, global);
  }

  /** The rule of a node without a store for GLOBAL limits (tests, tools). */
  public static RateLimitRule of(String policy, RateLimit limit) {
    return new RateLimitRule(policy, limit, GlobalLimits.none());
  }

  /**
   * A short digest of what shapes the buckets (not dry_run nor on_store_error): the store's keys of
   * a limit whose rate changed start afresh, those of a limit only switched to enforcing do not.
   */
  private static String shapeHash(RateLimit limit) {
    String shape =
        limit.getRequests()
            + "/"
            + limit.getUnit()
            + "/"
            + limit.getBurst()
            + "/"
            + limit.getKey()
            + "/"
            + limit.getHeader()
            + (limit.getClaim().isEmpty() ? "" : "/" + limit.getClaim());
    return sha256Hex(shape).substring(0, 12);
  }

  /**
   * The store's name of a bucket key. Header values are digested: an API key used as a rate-limit
   * key never shows in Redis.
   */
  static String storeKey(Object key) {
    if (key == ROUTE) {
      return "route";
    }
    if (key == ABSENT) {
      return "absent";
    }
    if (key instanceof AddressKey address) {
      return "ip:" + Long.toHexString(address.high()) + ":" + Long.toHexString(address.low());
    }
    if (key instanceof ConsumerKey consumer) {
      return "c:" + consumer.name();
    }
    if (key instanceof ClaimKey claim) {
      // Digested as header values are: a claim may be personal (an e-mail address).
      return "j:" + sha256Hex(claim.value()).substring(0, 32);
    }
    return "h:" + sha256Hex(key.toString()).substring(0, 32);
  }

  private static String sha256Hex(String text) {
    return digestHex("SHA-256", text);
  }

  /** The hex digest of {@code text}'s UTF-8 bytes by {@code algorithm}, one every JDK has. */
  static String digestHex(String algorithm, String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has " + algorithm, e);
    }
  }

  private static long unitNanos(RateLimit.Unit unit) {
    return switch (unit) {
      case MINUTE -> TimeUnit.MINUTES.toNanos(1);
      case HOUR -> TimeUnit.HOURS.toNanos(1);
      default -> TimeUnit.SECONDS.toNanos(1);
    };
  }

  static long ceilSeconds(long nanos) {
    long second = TimeUnit.SECONDS.toNanos(1);
    return nanos <= 0 ? 0 : (nanos + second - 1) / second;
  }

  /** The policy's name, for messages and metrics. */
  public String policy() {
    return policy;
  }

  /** The settings this rule was compiled from. */
  RateLimit limit() {
    return limit;
  }

  /** Whether the buckets are shared by the fleet (scope GLOBAL). */
  boolean global() {
    return leased != null;
  }

  /** Whether the rule only counts what it would refuse. */
  public boolean dryRun() {
    return dryRun;
  }

  /** The RateLimit-Policy item of this rule, e.g. {@code "api";q=100;w=1}. */
  String policyField() {
    return policyField;
  }

  /** The time to gain one token. */
  long intervalNanos() {
    return buckets.intervalNanos();
  }

  /** The number of tokens a bucket holds when it is {@code fullIn} nanoseconds from full. */
  long remaining(long fullInNanos) {
    return (buckets.capacityNanos() - fullInNanos) / buckets.intervalNanos();
  }

  /**
   * Takes a token for the request at {@code now}: how long until its bucket is full again (above 0)
   * when one was taken, or minus how long until one will be there.
   */
  long take(HttpFields headers, ClientFacts client, long now) {
    return buckets.take(keyOf(headers, client), now);
  }

  /**
   * Takes a token of a GLOBAL rule as {@link #take}, or answers {@link LeasedBuckets#PENDING} with
   * {@code wait} holding what to wait for before asking again.
   */
  long takeShared(HttpFields headers, ClientFacts client, long now, LeasedBuckets.Wait wait) {
    return requireNonNull(leased, "leased").take(keyOf(headers, client), now, wait);
  }

  private Object keyOf(HttpFields headers, ClientFacts client) {
    return switch (key) {
      case HEADER -> {
        String value = headers.get(requireNonNull(header, "header"));
        yield value == null ? ABSENT : value;
      }
      case ROUTE -> ROUTE;
      case CLAIM -> {
        String value = client.claim(requireNonNull(claim, "claim"));
        yield value == null ? ABSENT : new ClaimKey(value);
      }
      case CONSUMER -> {
        String consumer = client.consumer();
        yield consumer == null ? ABSENT : new ConsumerKey(consumer);
      }
      default -> {
        ClientAddress address = client.clientAddress();
        yield new AddressKey(address.high(), address.low());
      }
    };
  }

  private record AddressKey(long high, long low) {}

  // Not the bare name: a consumer's bucket and a header value's never share a store key.
  private record ConsumerKey(String name) {}

  private record ClaimKey(String value) {}

  /** The counter of requests this rule refused (or would have) on {@code route}; node-lifetime. */
  LongAdder refused(String route) {
    return refusedByRoute.computeIfAbsent(route, r -> new LongAdder());
  }

  /** Refusals by route since the node started (or since the policy last changed). */
  public Map<String, Long> refusedByRoute() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    refusedByRoute.forEach((route, adder) -> counts.put(route, adder.sum()));
    return counts;
  }

  /** Drops the buckets that are full at {@code now}; returns how many. */
  int sweep(long now) {
    return leased != null ? leased.sweep(now) : buckets.sweep(now);
  }

  /** Buckets held now. */
  int buckets() {
    return leased != null ? leased.size() : buckets.size();
  }

  @Override
  public String toString() {
    return policy
        + " ("
        + requests
        + "/"
        + limit.getUnit()
        + ", key "
        + key
        + (leased != null ? ", global" : "")
        + ")";
  }
}
