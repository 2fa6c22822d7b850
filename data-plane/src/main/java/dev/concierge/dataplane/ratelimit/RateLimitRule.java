package dev.concierge.dataplane.ratelimit;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.RateLimit;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
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
  private final boolean dryRun;
  private final long requests;
  private final TokenBuckets buckets;
  private final String policyField;
  private final Map<String, LongAdder> refusedByRoute = new ConcurrentHashMap<>();

  private RateLimitRule(String policy, RateLimit limit) {
    this.policy = requireNonNull(policy, "policy");
    this.id = policy.substring(policy.indexOf('/') + 1);
    this.limit = requireNonNull(limit, "limit");
    this.key =
        limit.getKey() == RateLimit.Key.KEY_UNSPECIFIED ? RateLimit.Key.CLIENT : limit.getKey();
    this.header = key == RateLimit.Key.HEADER ? limit.getHeader() : null;
    this.dryRun = limit.getDryRun();
    this.requests = Integer.toUnsignedLong(limit.getRequests());
    long burst = limit.getBurst() == 0 ? requests : Integer.toUnsignedLong(limit.getBurst());
    long unitNanos = unitNanos(limit.getUnit());
    this.buckets = new TokenBuckets(unitNanos / Math.max(1, requests), burst);
    // draft-ietf-httpapi-ratelimit-headers: the quota and its window, in seconds.
    this.policyField =
        "\"" + id + "\";q=" + burst + ";w=" + Math.max(1, ceilSeconds(buckets.capacityNanos()));
  }

  /** The rule of the policy named {@code policy}, whose limit passed the shared rules. */
  public static RateLimitRule of(String policy, RateLimit limit) {
    return new RateLimitRule(policy, limit);
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

  private Object keyOf(HttpFields headers, ClientFacts client) {
    return switch (key) {
      case HEADER -> {
        String value = headers.get(requireNonNull(header, "header"));
        yield value == null ? ABSENT : value;
      }
      case ROUTE -> ROUTE;
      default -> {
        ClientAddress address = client.clientAddress();
        yield new AddressKey(address.high(), address.low());
      }
    };
  }

  private record AddressKey(long high, long low) {}

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
    return buckets.sweep(now);
  }

  /** Buckets held now. */
  int buckets() {
    return buckets.size();
  }

  @Override
  public String toString() {
    return policy + " (" + requests + "/" + limit.getUnit() + ", key " + key + ")";
  }
}
