package dev.concierge.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.HealthCheck;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code cluster create|update --health-check ...}: the cluster's active health check. On update,
 * the options given change the check in place and leave the rest of it as it was.
 */
final class HealthCheckOptions {
  @Option(
      names = "--health-check",
      paramLabel = "http[:PATH]|tcp|grpc[:SERVICE]|none",
      converter = KindConverter.class,
      description =
          "Check every endpoint: an HTTP GET of PATH (default /; over h2c on an HTTP2 cluster), a"
              + " TCP connect, a grpc.health.v1 Check of SERVICE (default the whole server; HTTP2"
              + " clusters only), or none (no checks).")
  @Nullable Kind kind;

  @Option(
      names = "--health-method",
      paramLabel = "get|head",
      converter = MethodConverter.class,
      description = "HTTP method of a check (default get).")
  HealthCheck.@Nullable Method method;

  @Option(
      names = "--health-interval",
      paramLabel = "DURATION",
      converter = IntervalConverter.class,
      description = "Time between checks of an endpoint (default 5s; 10ms-300s).")
  @Nullable Duration interval;

  @Option(
      names = "--health-timeout",
      paramLabel = "DURATION",
      converter = IntervalConverter.class,
      description = "Time a check may take, below the interval (default 1s).")
  @Nullable Duration timeout;

  @Option(
      names = "--healthy-threshold",
      paramLabel = "N",
      description = "Passed checks in a row that make an endpoint healthy again (default 2).")
  @Nullable Integer healthyThreshold;

  @Option(
      names = "--unhealthy-threshold",
      paramLabel = "N",
      description = "Failed checks in a row that make an endpoint unhealthy (default 3).")
  @Nullable Integer unhealthyThreshold;

  @Option(
      names = "--health-jitter",
      paramLabel = "PERCENT",
      description = "Shorten each wait by up to PERCENT of the interval, 0-50 (default 0).")
  @Nullable Integer jitterPercent;

  @Option(
      names = "--health-status",
      paramLabel = "RANGES",
      split = ",",
      description = "Healthy HTTP statuses, e.g. 200-299,404 (default 200-399).")
  @Nullable List<String> statuses;

  @Option(
      names = "--health-host",
      paramLabel = "HOST",
      description =
          "Host header of an HTTP check, :authority of a gRPC one (default the endpoint's"
              + " host:port).")
  @Nullable String host;

  @Option(
      names = "--health-body",
      paramLabel = "TEXT",
      description = "Text the first 64 KiB of a check's response body must contain.")
  @Nullable String body;

  /** What {@code --health-check} names; {@code check == null} for none. */
  record Kind(HealthCheck.@Nullable Builder check) {}

  boolean given() {
    return kind != null || tuned();
  }

  private boolean tuned() {
    return method != null
        || interval != null
        || timeout != null
        || healthyThreshold != null
        || unhealthyThreshold != null
        || jitterPercent != null
        || statuses != null
        || host != null
        || body != null;
  }

  /**
   * Sets the check on {@code cluster} from the options given over {@code current} (the check in
   * force, or none), and names it in {@code mask}.
   *
   * @throws IllegalArgumentException when tuning options come without a check to tune
   */
  void applyTo(Cluster.Builder cluster, @Nullable HealthCheck current, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    mask.addPaths("health_check");
    HealthCheck.Builder check;
    if (kind != null) {
      if (kind.check() == null) {
        if (tuned()) {
          throw new IllegalArgumentException("--health-check none takes no other health option");
        }
        return; // in the mask and unset: cleared
      }
      check = kind.check().clone();
      if (current != null) {
        // Keep the timing of the check in force; only the kind was given.
        check
            .setInterval(current.getInterval())
            .setTimeout(current.getTimeout())
            .setHealthyThreshold(current.getHealthyThreshold())
            .setUnhealthyThreshold(current.getUnhealthyThreshold())
            .setJitterPercent(current.getJitterPercent());
        if (!current.hasInterval()) {
          check.clearInterval();
        }
        if (!current.hasTimeout()) {
          check.clearTimeout();
        }
      }
    } else if (current != null) {
      check = current.toBuilder();
    } else {
      throw new IllegalArgumentException(
          "the cluster has no health check: give --health-check http[:PATH], tcp or grpc");
    }
    if (interval != null) {
      check.setInterval(interval);
    }
    if (timeout != null) {
      check.setTimeout(timeout);
    }
    if (healthyThreshold != null) {
      check.setHealthyThreshold(healthyThreshold);
    }
    if (unhealthyThreshold != null) {
      check.setUnhealthyThreshold(unhealthyThreshold);
    }
    if (jitterPercent != null) {
      check.setJitterPercent(jitterPercent);
    }
    if (host != null && check.hasGrpc()) {
      check.getGrpcBuilder().setAuthority(host);
    }
    boolean httpOption =
        method != null || statuses != null || (host != null && !check.hasGrpc()) || body != null;
    if (httpOption) {
      if (!check.hasHttp()) {
        throw new IllegalArgumentException(
            "--health-method, --health-status, --health-host and --health-body need an HTTP"
                + " check (--health-check http[:PATH]); --health-host also goes with grpc");
      }
      HealthCheck.Http.Builder http = check.getHttpBuilder();
      if (method != null) {
        http.setMethod(method);
      }
      if (statuses != null) {
        http.clearExpectedStatuses().addAllExpectedStatuses(statuses);
      }
      if (host != null) {
        http.setHost(host);
      }
      if (body != null) {
        http.setBodyContains(body);
      }
    }
    cluster.setHealthCheck(check);
  }

  /** How {@code cluster get} shows a check: {@code http GET /healthz 5s/1s 2/3}, or "-". */
  static String describe(Cluster cluster) {
    if (!cluster.hasHealthCheck()) {
      return "-";
    }
    HealthCheck c = cluster.getHealthCheck();
    List<String> parts = new ArrayList<>();
    if (c.hasHttp()) {
      HealthCheck.Http h = c.getHttp();
      parts.add("http");
      parts.add(h.getMethod() == HealthCheck.Method.HEAD ? "HEAD" : "GET");
      parts.add(h.getPath().isEmpty() ? "/" : h.getPath());
      if (!h.getHost().isEmpty()) {
        parts.add("host=" + h.getHost());
      }
      if (h.getExpectedStatusesCount() > 0) {
        parts.add("status=" + String.join(",", h.getExpectedStatusesList()));
      }
      if (!h.getBodyContains().isEmpty()) {
        parts.add("body~\"" + h.getBodyContains() + "\"");
      }
    } else if (c.hasGrpc()) {
      HealthCheck.Grpc g = c.getGrpc();
      parts.add("grpc");
      parts.add(g.getService().isEmpty() ? "(server)" : g.getService());
      if (!g.getAuthority().isEmpty()) {
        parts.add("authority=" + g.getAuthority());
      }
    } else {
      parts.add("tcp");
    }
    parts.add(
        (c.hasInterval() ? Durations.format(c.getInterval()) : "5s")
            + "/"
            + (c.hasTimeout() ? Durations.format(c.getTimeout()) : "1s"));
    parts.add(
        (c.getHealthyThreshold() == 0 ? 2 : c.getHealthyThreshold())
            + "/"
            + (c.getUnhealthyThreshold() == 0 ? 3 : c.getUnhealthyThreshold()));
    if (c.getJitterPercent() != 0) {
      parts.add("jitter=" + c.getJitterPercent() + "%");
    }
    return String.join(" ", parts);
  }

  /**
   * Parses {@code http}, {@code http:/healthz}, {@code tcp}, {@code grpc}, {@code grpc:pkg.Service}
   * or {@code none}.
   */
  static final class KindConverter implements ITypeConverter<Kind> {
    @Override
    public Kind convert(String value) {
      String v = value.strip();
      if (v.equalsIgnoreCase("none")) {
        return new Kind(null);
      }
      if (v.equalsIgnoreCase("tcp")) {
        return new Kind(HealthCheck.newBuilder().setTcp(HealthCheck.Tcp.getDefaultInstance()));
      }
      if (v.equalsIgnoreCase("http")) {
        return new Kind(HealthCheck.newBuilder().setHttp(HealthCheck.Http.getDefaultInstance()));
      }
      if (v.regionMatches(true, 0, "http:", 0, 5) && v.startsWith("/", 5)) {
        return new Kind(
            HealthCheck.newBuilder()
                .setHttp(HealthCheck.Http.newBuilder().setPath(v.substring(5))));
      }
      if (v.equalsIgnoreCase("grpc")) {
        return new Kind(HealthCheck.newBuilder().setGrpc(HealthCheck.Grpc.getDefaultInstance()));
      }
      if (v.regionMatches(true, 0, "grpc:", 0, 5) && v.length() > 5) {
        return new Kind(
            HealthCheck.newBuilder()
                .setGrpc(HealthCheck.Grpc.newBuilder().setService(v.substring(5))));
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a health check (http, http:/PATH, tcp, grpc, grpc:SERVICE or"
              + " none)");
    }
  }

  /** Parses {@code --health-method}: {@code get} or {@code head}. */
  static final class MethodConverter extends EnumChoices.Converter<HealthCheck.Method> {
    MethodConverter() {
      super("a method", List.of(HealthCheck.Method.GET, HealthCheck.Method.HEAD));
    }
  }

  /** A check's interval or timeout: above 0 and at most 300s (the rules want 10ms or more). */
  static final class IntervalConverter extends Durations.RangeConverter {
    IntervalConverter() {
      super(300, "300s");
    }
  }
}
