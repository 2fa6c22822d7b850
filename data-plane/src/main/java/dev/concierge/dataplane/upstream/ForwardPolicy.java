package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.rules.RouteRules;
import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.cluster.ClusterSplit;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where and how a route's requests go upstream: the weighted clusters, the route timeout, how many
 * tries a request may take and when, the idle timeout, and the request rewrite. Immutable.
 *
 * @param split the weighted clusters; {@code null} only in {@link #none()}
 * @param timeout time allowed from sending upstream to the end of the response, all tries together
 * @param maxAttempts tries per request, the first included (1-5)
 * @param rewrite the path and header rewrite both transports use
 * @param retry which failed tries are tried again, and when
 * @param idleTimeout longest upstream inactivity of a try; {@link Duration#ZERO} for none
 */
public record ForwardPolicy(
    @Nullable ClusterSplit split,
    Duration timeout,
    int maxAttempts,
    RequestRewrite rewrite,
    RouteRetryPolicy retry,
    Duration idleTimeout) {
  private static final ForwardPolicy NONE =
      new ForwardPolicy(null, Duration.ofSeconds(15), 1, RequestRewrite.defaults());

  /** The policy kind; a route without one answers 503. */
  public static final PolicyKey<ForwardPolicy> KEY =
      PolicyKey.of("forward", ForwardPolicy.class, NONE);

  /** A policy with the default retries and no idle timeout. */
  public ForwardPolicy(
      @Nullable ClusterSplit split, Duration timeout, int maxAttempts, RequestRewrite rewrite) {
    this(split, timeout, maxAttempts, rewrite, RouteRetryPolicy.defaults(), Duration.ZERO);
  }

  public ForwardPolicy {
    requireNonNull(timeout, "timeout");
    requireNonNull(rewrite, "rewrite");
    requireNonNull(retry, "retry");
    requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout must not be negative: " + idleTimeout);
    }
    if (maxAttempts < 1 || maxAttempts > RouteRules.MAX_ATTEMPTS) {
      throw new IllegalArgumentException("maxAttempts must be 1-5: " + maxAttempts);
    }
  }

  /** A route that forwards nowhere. */
  public static ForwardPolicy none() {
    return NONE;
  }
}
