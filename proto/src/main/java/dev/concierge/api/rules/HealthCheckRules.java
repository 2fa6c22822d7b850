package dev.concierge.api.rules;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.HealthCheck;

/** The rules of a cluster's active health check, for the management API and every node alike. */
public final class HealthCheckRules {
  /** Time between checks when the check does not say: 5 s. */
  public static final Duration DEFAULT_INTERVAL = Durations.fromSeconds(5);

  /** Time a check may take when the check does not say: 1 s. */
  public static final Duration DEFAULT_TIMEOUT = Durations.fromSeconds(1);

  /** The shortest interval. */
  public static final Duration MIN_INTERVAL = Durations.fromMillis(10);

  /** The longest interval. */
  public static final Duration MAX_INTERVAL = Durations.fromSeconds(300);

  /** Passed checks in a row that make an endpoint healthy, when the check does not say. */
  public static final int DEFAULT_HEALTHY_THRESHOLD = 2;

  /** Failed checks in a row that make an endpoint unhealthy, when the check does not say. */
  public static final int DEFAULT_UNHEALTHY_THRESHOLD = 3;

  /** The largest threshold. */
  public static final int MAX_THRESHOLD = 100;

  /** The largest jitter share, in percent. */
  public static final int MAX_JITTER_PERCENT = 50;

  /** The longest path, Host and body text. */
  public static final int MAX_TEXT = 1024;

  /** The longest Host header. */
  public static final int MAX_HOST = 255;

  /** The most status ranges. */
  public static final int MAX_STATUS_RANGES = 16;

  /** Healthy statuses when the check does not say. */
  public static final String DEFAULT_STATUSES = "200-399";

  private HealthCheckRules() {}

  /** Tells {@code sink} every broken field of {@code check}, under {@code prefix}. */
  public static void check(HealthCheck check, String prefix, ViolationSink sink) {
    Duration interval = check.hasInterval() ? check.getInterval() : DEFAULT_INTERVAL;
    Duration timeout = check.hasTimeout() ? check.getTimeout() : DEFAULT_TIMEOUT;
    boolean intervalValid =
        Durations.isValid(interval) && Durations.compare(interval, MIN_INTERVAL) >= 0;
    if (check.hasInterval()) {
      if (!intervalValid) {
        sink.add(
            prefix + ".interval",
            "must be at least "
                + Durations.toString(MIN_INTERVAL)
                + ", not "
                + FieldChecks.format(interval));
      } else {
        FieldChecks.positiveAtMost(interval, MAX_INTERVAL, prefix + ".interval", sink);
      }
    }
    if (check.hasTimeout()) {
      FieldChecks.positiveAtMost(timeout, MAX_INTERVAL, prefix + ".timeout", sink);
    }
    if (intervalValid && Durations.isValid(timeout) && Durations.compare(timeout, interval) >= 0) {
      sink.add(
          prefix + ".timeout",
          "must be below the interval ("
              + Durations.toString(interval)
              + "), not "
              + Durations.toString(timeout));
    }
    threshold(check.getHealthyThreshold(), prefix + ".healthy_threshold", sink);
    threshold(check.getUnhealthyThreshold(), prefix + ".unhealthy_threshold", sink);
    FieldChecks.atMost(
        Integer.toUnsignedLong(check.getJitterPercent()),
        MAX_JITTER_PERCENT,
        String.valueOf(MAX_JITTER_PERCENT),
        prefix + ".jitter_percent",
        sink);
    switch (check.getKindCase()) {
      case HTTP -> http(check.getHttp(), prefix + ".http", sink);
      case TCP -> {}
      case GRPC -> grpc(check.getGrpc(), prefix + ".grpc", sink);
      default -> sink.add(prefix, "exactly one of http, tcp or grpc is required");
    }
  }

  /**
   * Tells {@code sink} when {@code check}, under {@code prefix}, needs a protocol the cluster does
   * not speak: a gRPC check needs HTTP/2.
   */
  public static void checkProtocol(
      HealthCheck check, Cluster.Protocol protocol, String prefix, ViolationSink sink) {
    if (check.hasGrpc() && protocol != Cluster.Protocol.HTTP2) {
      sink.add(prefix + ".grpc", "a gRPC check needs a cluster with protocol HTTP2");
    }
  }

  private static void grpc(HealthCheck.Grpc grpc, String prefix, ViolationSink sink) {
    text(grpc.getService(), prefix + ".service", sink);
    text(grpc.getAuthority(), prefix + ".authority", sink);
  }

  private static void text(String value, String field, ViolationSink sink) {
    if (value.length() > MAX_HOST) {
      sink.add(field, "must be at most " + MAX_HOST + " characters");
    } else if (!printable(value) || value.indexOf(' ') >= 0) {
      sink.add(field, "must be visible ASCII without spaces");
    }
  }

  private static void threshold(int value, String field, ViolationSink sink) {
    FieldChecks.atMost(
        Integer.toUnsignedLong(value), MAX_THRESHOLD, String.valueOf(MAX_THRESHOLD), field, sink);
  }

  private static void http(HealthCheck.Http http, String prefix, ViolationSink sink) {
    String path = http.getPath();
    if (!path.isEmpty()) {
      if (!path.startsWith("/")) {
        sink.add(prefix + ".path", "must start with \"/\", not \"" + path + "\"");
      } else if (path.length() > MAX_TEXT) {
        sink.add(prefix + ".path", "must be at most " + MAX_TEXT + " characters");
      } else if (!printable(path) || path.indexOf(' ') >= 0) {
        sink.add(prefix + ".path", "must be visible ASCII without spaces");
      }
    }
    if (FieldChecks.known(
            http.getMethodValue(), HealthCheck.Method.getDescriptor(), prefix + ".method", sink)
        && http.getMethod() == HealthCheck.Method.HEAD
        && !http.getBodyContains().isEmpty()) {
      sink.add(prefix + ".body_contains", "a HEAD check has no body to search");
    }
    if (http.getHost().length() > MAX_HOST) {
      sink.add(prefix + ".host", "must be at most " + MAX_HOST + " characters");
    } else if (!printable(http.getHost()) || http.getHost().indexOf(' ') >= 0) {
      sink.add(prefix + ".host", "must be visible ASCII without spaces");
    }
    if (http.getExpectedStatusesCount() > MAX_STATUS_RANGES) {
      sink.add(prefix + ".expected_statuses", "at most " + MAX_STATUS_RANGES + " ranges");
    }
    for (int i = 0; i < http.getExpectedStatusesCount(); i++) {
      String range = http.getExpectedStatuses(i);
      if (statusRange(range) == null) {
        sink.add(
            prefix + ".expected_statuses[" + i + "]",
            "must be a status 100-599 or a range such as 200-399, not \"" + range + "\"");
      }
    }
    if (http.getBodyContains().length() > MAX_TEXT) {
      sink.add(prefix + ".body_contains", "must be at most " + MAX_TEXT + " characters");
    }
  }

  /**
   * The bounds {@code {low, high}} of a status range "200-399" or single status "204", each 100-599
   * and low at most high; {@code null} when it is not one.
   */
  public static int @org.jspecify.annotations.Nullable [] statusRange(String range) {
    int dash = range.indexOf('-');
    int low = status(dash < 0 ? range : range.substring(0, dash));
    int high = dash < 0 ? low : status(range.substring(dash + 1));
    return low < 0 || high < 0 || low > high ? null : new int[] {low, high};
  }

  private static int status(String text) {
    if (text.length() != 3) {
      return -1;
    }
    int value = 0;
    for (int i = 0; i < 3; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value >= 100 && value <= 599 ? value : -1;
  }

  private static boolean printable(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return false;
      }
    }
    return true;
  }
}
