package dev.concierge.dataplane.accesslog;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.PolicyKey;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A route's compiled access log setting: off, every request, or a sample; and the query parameters
 * whose values the log replaces with {@value #REDACTED}. A route without one logs every request.
 * Immutable and thread-safe.
 */
public final class RouteLogPolicy {
  /** What a secret query parameter's value is logged as. */
  public static final String REDACTED = "REDACTED";

  private static final RouteLogPolicy EVERY = new RouteLogPolicy(false, 1.0, Set.of());
  private static final RouteLogPolicy OFF = new RouteLogPolicy(true, 0, Set.of());

  /** The key of the policy; a route without one logs every request. */
  public static final PolicyKey<RouteLogPolicy> KEY =
      PolicyKey.of("access_log", RouteLogPolicy.class, EVERY);

  private final boolean disabled;
  private final double sampleRatio;
  private final Set<String> secretQueryParams;

  private RouteLogPolicy(boolean disabled, double sampleRatio, Set<String> secretQueryParams) {
    this.disabled = disabled;
    this.sampleRatio = sampleRatio;
    this.secretQueryParams = Set.copyOf(requireNonNull(secretQueryParams, "secretQueryParams"));
  }

  /** Logs every request, redacting nothing. */
  public static RouteLogPolicy every() {
    return EVERY;
  }

  /** Logs nothing. */
  public static RouteLogPolicy off() {
    return OFF;
  }

  /**
   * Logs a share of the requests.
   *
   * @param sampleRatio the share logged, 0 &lt; r &le; 1
   * @param secretQueryParams names of query parameters whose values are never logged
   */
  public static RouteLogPolicy of(double sampleRatio, Set<String> secretQueryParams) {
    if (!(sampleRatio > 0 && sampleRatio <= 1)) {
      throw new IllegalArgumentException("sampleRatio must be in (0, 1]: " + sampleRatio);
    }
    return new RouteLogPolicy(false, sampleRatio, secretQueryParams);
  }

  /** Whether the route logs nothing. */
  public boolean disabled() {
    return disabled;
  }

  /** The share of requests logged (1: all). */
  public double sampleRatio() {
    return sampleRatio;
  }

  /** Names of the query parameters whose values are logged as {@value #REDACTED}. */
  public Set<String> secretQueryParams() {
    return secretQueryParams;
  }

  /** Whether this request is logged: never when off, else one draw when sampling. */
  public boolean logs(Supplier<RandomGenerator> random) {
    if (disabled) {
      return false;
    }
    return sampleRatio >= 1 || random.get().nextDouble() < sampleRatio;
  }
}
