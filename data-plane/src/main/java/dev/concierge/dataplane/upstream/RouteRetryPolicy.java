package dev.concierge.dataplane.upstream;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * A route's compiled retry policy: which failed tries are worth another, for which methods, and how
 * long to wait first (exponential backoff with full jitter). {@link #defaults()} is the behaviour
 * of a route without one: connect failures for any method, resets for idempotent methods, at once.
 * Immutable; thread-safe. Whether a retry is made also depends on the attempts left, the route's
 * time left, the body being replayable and the cluster's retry budget, which {@link
 * UpstreamHandler} checks.
 */
public final class RouteRetryPolicy {
  /** What makes a try worth another. */
  public enum Condition {
    /** Refused, connect timeout, host not resolved: nothing was sent. */
    CONNECT_FAILURE,
    /** Reset or closed before any response byte. */
    RESET,
    /** A 502 response. */
    STATUS_502,
    /** A 503 response. */
    STATUS_503,
    /** A 504 response. */
    STATUS_504,
    /** The per-try timeout passed before any response byte was relayed. */
    PER_TRY_TIMEOUT
  }

  private static final RouteRetryPolicy DEFAULTS =
      new RouteRetryPolicy(
          EnumSet.of(Condition.CONNECT_FAILURE, Condition.RESET),
          Duration.ZERO,
          Duration.ZERO,
          Duration.ZERO,
          false);

  private final boolean connectFailure;
  private final boolean reset;
  private final boolean status502;
  private final boolean status503;
  private final boolean status504;
  private final boolean perTryTimeout;
  private final long perTryTimeoutMillis;
  private final long backoffBaseNanos;
  private final long backoffMaxNanos;
  private final boolean retryNonIdempotent;

  private RouteRetryPolicy(
      Set<Condition> conditions,
      Duration perTryTimeout,
      Duration backoffBase,
      Duration backoffMax,
      boolean retryNonIdempotent) {
    if (perTryTimeout.isNegative() || backoffBase.isNegative() || backoffMax.isNegative()) {
      throw new IllegalArgumentException("durations must not be negative");
    }
    if (backoffMax.compareTo(backoffBase) < 0) {
      throw new IllegalArgumentException("backoffMax below backoffBase: " + backoffMax);
    }
    this.connectFailure = conditions.contains(Condition.CONNECT_FAILURE);
    this.reset = conditions.contains(Condition.RESET);
    this.status502 = conditions.contains(Condition.STATUS_502);
    this.status503 = conditions.contains(Condition.STATUS_503);
    this.status504 = conditions.contains(Condition.STATUS_504);
    this.perTryTimeout = conditions.contains(Condition.PER_TRY_TIMEOUT);
    this.perTryTimeoutMillis = perTryTimeout.toMillis();
    this.backoffBaseNanos = backoffBase.toNanos();
    this.backoffMaxNanos = backoffMax.toNanos();
    this.retryNonIdempotent = retryNonIdempotent;
  }

  /**
   * A policy retrying on {@code conditions}.
   *
   * @param perTryTimeout time allowed to one try; {@link Duration#ZERO} for none
   * @param backoffBase the first retry waits up to this long; {@link Duration#ZERO} for no wait
   * @param backoffMax the most any retry waits
   * @param retryNonIdempotent whether resets, statuses and per-try timeouts retry any method
   */
  public static RouteRetryPolicy of(
      Set<Condition> conditions,
      Duration perTryTimeout,
      Duration backoffBase,
      Duration backoffMax,
      boolean retryNonIdempotent) {
    return new RouteRetryPolicy(
        conditions, perTryTimeout, backoffBase, backoffMax, retryNonIdempotent);
  }

  /**
   * A route without a retry policy: connect failures (any method), resets (idempotent), at once.
   */
  public static RouteRetryPolicy defaults() {
    return DEFAULTS;
  }

  /** Time allowed to one try in milliseconds, 0 when only the route's timeout applies. */
  public long perTryTimeoutMillis() {
    return perTryTimeoutMillis;
  }

  /** Whether any status is retried, so the transport must be asked at every response head. */
  public boolean retriesStatuses() {
    return status502 || status503 || status504;
  }

  /**
   * Whether a try of {@code method} that failed with {@code outcome} is worth another.
   *
   * @param perTryExpired whether a {@link UpstreamOutcome#TIMEOUT} was the per-try timeout's (the
   *     route's own timeout is never retried)
   */
  public boolean retriesOn(UpstreamOutcome outcome, boolean perTryExpired, String method) {
    return switch (outcome) {
      case REFUSED, CONNECT_TIMEOUT, UNRESOLVED, HANDSHAKE -> connectFailure;
      case RESET -> reset && mayRepeat(method);
      case TIMEOUT -> perTryExpired && perTryTimeout && mayRepeat(method);
      default -> false;
    };
  }

  /** Whether a response of {@code status} to {@code method} is dropped for another try. */
  public boolean retriesOnStatus(int status, String method) {
    boolean listed =
        switch (status) {
          case 502 -> status502;
          case 503 -> status503;
          case 504 -> status504;
          default -> false;
        };
    return listed && mayRepeat(method);
  }

  private boolean mayRepeat(String method) {
    return retryNonIdempotent || isIdempotent(method);
  }

  /**
   * The wait before retry number {@code retry} (1 for the first), in nanoseconds: uniformly random
   * in [0, min(max, base × 2^(retry-1))] (full jitter); 0 without backoff.
   */
  public long backoffNanos(int retry, RandomGenerator random) {
    if (backoffBaseNanos == 0) {
      return 0;
    }
    int shift = Math.min(Math.max(retry - 1, 0), 30);
    long ceiling =
        backoffBaseNanos > (backoffMaxNanos >> shift) ? backoffMaxNanos : backoffBaseNanos << shift;
    return random.nextLong(ceiling + 1);
  }

  /** Methods a server must treat as repeatable (RFC 9110 §9.2.2) that a route can carry. */
  public static boolean isIdempotent(String method) {
    return switch (method) {
      case "GET", "HEAD", "OPTIONS", "PUT", "DELETE" -> true;
      default -> false;
    };
  }

  @Override
  public String toString() {
    return this == DEFAULTS
        ? "defaults"
        : "retry on connect="
            + connectFailure
            + " reset="
            + reset
            + " 502="
            + status502
            + " 503="
            + status503
            + " 504="
            + status504
            + " perTry="
            + perTryTimeout
            + "/"
            + perTryTimeoutMillis
            + "ms backoff="
            + backoffBaseNanos / 1_000_000
            + "-"
            + backoffMaxNanos / 1_000_000
            + "ms nonIdempotent="
            + retryNonIdempotent;
  }
}
