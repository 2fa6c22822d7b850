package dev.concierge.dataplane.health;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.util.Durations;
import dev.concierge.api.rules.HealthCheckRules;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.dataplane.cluster.UpstreamTlsPolicy;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A cluster's health check compiled from its {@link HealthCheck}, defaults filled in. Two equal
 * policies check alike, so an unchanged check keeps its schedule across config swaps. Immutable.
 *
 * @param intervalNanos time between the starts of two checks of one endpoint
 * @param timeoutNanos time a check may take
 * @param healthyThreshold passed checks in a row that make an unhealthy endpoint healthy
 * @param unhealthyThreshold failed checks in a row that make an endpoint unhealthy
 * @param jitterPercent share of the interval a wait may be shortened by, 0-50
 * @param http the HTTP request of a check, or {@code null} for a TCP connect or a gRPC call
 * @param grpc the gRPC call of a check, or {@code null}
 * @param h2c whether HTTP and gRPC checks go over h2c (the cluster speaks HTTP/2)
 * @param tls the cluster's TLS to its endpoints, which HTTP checks use too, or {@code null}
 */
public record HealthCheckPolicy(
    long intervalNanos,
    long timeoutNanos,
    int healthyThreshold,
    int unhealthyThreshold,
    int jitterPercent,
    @Nullable HttpCheck http,
    @Nullable GrpcCheck grpc,
    boolean h2c,
    @Nullable UpstreamTlsPolicy tls) {
  public HealthCheckPolicy {
    if (intervalNanos <= 0 || timeoutNanos <= 0 || healthyThreshold < 1 || unhealthyThreshold < 1) {
      throw new IllegalArgumentException("interval, timeout and thresholds must be positive");
    }
  }

  /** An HTTP/1.1 check, or a TCP one when {@code http} is null (tests). */
  public HealthCheckPolicy(
      long intervalNanos,
      long timeoutNanos,
      int healthyThreshold,
      int unhealthyThreshold,
      int jitterPercent,
      @Nullable HttpCheck http) {
    this(
        intervalNanos,
        timeoutNanos,
        healthyThreshold,
        unhealthyThreshold,
        jitterPercent,
        http,
        null,
        false,
        null);
  }

  /**
   * A grpc.health.v1 check.
   *
   * @param service the service asked about, empty for the server as a whole
   * @param authority the call's {@code :authority}, or {@code null} for the endpoint's "host:port"
   */
  public record GrpcCheck(String service, @Nullable String authority) {
    public GrpcCheck {
      requireNonNull(service, "service");
    }
  }

  /**
   * An HTTP check.
   *
   * @param path path and query
   * @param head HEAD rather than GET
   * @param host the Host header, or {@code null} for the endpoint's "host:port"
   * @param statuses healthy statuses as {low, high} pairs, flattened
   * @param bodyContains text the first {@link HttpProber#MAX_BODY} bytes must hold, or null
   */
  public record HttpCheck(
      String path,
      boolean head,
      @Nullable String host,
      List<Integer> statuses,
      @Nullable String bodyContains) {
    public HttpCheck {
      requireNonNull(path, "path");
      statuses = List.copyOf(statuses);
    }

    /** Whether {@code status} is a healthy one. */
    public boolean expects(int status) {
      for (int i = 0; i < statuses.size(); i += 2) {
        if (status >= statuses.get(i) && status <= statuses.get(i + 1)) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Compiles {@code check}, which {@link HealthCheckRules} accepted, for a cluster that speaks
   * HTTP/2 ({@code h2c}) or not.
   */
  public static HealthCheckPolicy of(HealthCheck check, boolean h2c) {
    return of(check, h2c, null);
  }

  /** {@link #of(HealthCheck, boolean)} for a cluster whose endpoints speak TLS ({@code tls}). */
  public static HealthCheckPolicy of(
      HealthCheck check, boolean h2c, @Nullable UpstreamTlsPolicy tls) {
    GrpcCheck grpc =
        check.hasGrpc()
            ? new GrpcCheck(
                check.getGrpc().getService(),
                check.getGrpc().getAuthority().isEmpty() ? null : check.getGrpc().getAuthority())
            : null;
    HttpCheck http = null;
    if (check.hasHttp()) {
      HealthCheck.Http h = check.getHttp();
      List<Integer> statuses = new ArrayList<>();
      List<String> ranges =
          h.getExpectedStatusesCount() == 0
              ? List.of(HealthCheckRules.DEFAULT_STATUSES)
              : h.getExpectedStatusesList();
      for (String range : ranges) {
        int[] bounds = requireNonNull(HealthCheckRules.statusRange(range), range);
        statuses.add(bounds[0]);
        statuses.add(bounds[1]);
      }
      http =
          new HttpCheck(
              h.getPath().isEmpty() ? "/" : h.getPath(),
              h.getMethod() == HealthCheck.Method.HEAD,
              h.getHost().isEmpty() ? null : h.getHost(),
              statuses,
              h.getBodyContains().isEmpty() ? null : h.getBodyContains());
    }
    return new HealthCheckPolicy(
        Durations.toNanos(
            check.hasInterval() ? check.getInterval() : HealthCheckRules.DEFAULT_INTERVAL),
        Durations.toNanos(
            check.hasTimeout() ? check.getTimeout() : HealthCheckRules.DEFAULT_TIMEOUT),
        check.getHealthyThreshold() == 0
            ? HealthCheckRules.DEFAULT_HEALTHY_THRESHOLD
            : check.getHealthyThreshold(),
        check.getUnhealthyThreshold() == 0
            ? HealthCheckRules.DEFAULT_UNHEALTHY_THRESHOLD
            : check.getUnhealthyThreshold(),
        check.getJitterPercent(),
        http,
        grpc,
        h2c,
        tls);
  }
}
