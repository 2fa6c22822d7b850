package dev.concierge.dataplane.upstream;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * Where and how one request goes upstream, decided by {@link UpstreamHandler} before the
 * transport rewrites the URI.
 *
 * @param cluster the cluster chosen by the route's split
 * @param endpoint the endpoint chosen by the cluster's balancer
 * @param timeout time allowed from sending upstream to the end of the response
 * @param outcomes told exactly once how the exchange ended
 */
public record UpstreamTarget(
    CompiledCluster cluster, Endpoint endpoint, Duration timeout, Consumer<UpstreamOutcome> outcomes) {
  public UpstreamTarget {
    requireNonNull(cluster, "cluster");
    requireNonNull(endpoint, "endpoint");
    requireNonNull(timeout, "timeout");
    requireNonNull(outcomes, "outcomes");
  }
}
