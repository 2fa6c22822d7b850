package dev.concierge.cli;

import com.google.protobuf.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Durations as people type them ({@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h30m}, {@code
 * 90d}).
 */
final class Durations {

  private static final Pattern PART = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses a sum of {@code <int><unit>} parts; throws IllegalArgumentException on anything else.
   */
  static Duration parse(String text) {
    String t = text.strip();
    Matcher m = PART.matcher(t);
    long millis = 0;
    int at = 0;
    while (at < t.length() && m.find(at) && m.start() == at) {
      long n = Long.parseLong(m.group(1));
      millis +=
          switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1_000L;
            case "m" -> n * 60_000L;
            case "h" -> n * 3_600_000L;
            default -> n * 86_400_000L;
          };
      at = m.end();
    }
    if (t.isEmpty() || at != t.length()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a duration (e.g. 500ms, 5s, 2m, 1h, 7d)");
    }
    return Duration.newBuilder()
        .setSeconds(millis / 1_000)
        .setNanos((int) (millis % 1_000) * 1_000_000)
        .build();
  }

  /** Formats in the largest unit that is exact: {@code 15s}, {@code 2m}, {@code 1500ms}. */
  static String format(Duration d) {
    if (d.getNanos() % 1_000_000 != 0) {
      return d.getSeconds() * 1_000_000_000L + d.getNanos() + "ns";
    }
    long millis = d.getSeconds() * 1_000L + d.getNanos() / 1_000_000;
    if (millis == 0) {
      return "0s";
    }
    if (millis % 3_600_000 == 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1_000 == 0) {
      return millis / 1_000 + "s";
    }
    return millis + "ms";
  }

  /** picocli converter for a duration that must be above 0 and at most a maximum. */
  abstract static class RangeConverter implements ITypeConverter<Duration> {
    private final long maxSeconds;
    private final String max;

    RangeConverter(long maxSeconds, String max) {
      this.maxSeconds = maxSeconds;
      this.max = max;
    }

    @Override
    public Duration convert(String value) {
      Duration d;
      try {
        d = parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
      if ((d.getSeconds() == 0 && d.getNanos() == 0)
          || d.getSeconds() > maxSeconds
          || (d.getSeconds() == maxSeconds && d.getNanos() > 0)) {
        throw new TypeConversionException(
            "'" + value + "' is out of range: must be above 0 and at most " + max);
      }
      return d;
    }
  }

  /** A route's upstream response timeout: the control plane takes up to 1h. */
  static final class RouteTimeoutConverter extends RangeConverter {
    RouteTimeoutConverter() {
      super(3_600, "1h");
    }
  }

  /** A cluster's connect timeout: the control plane takes up to 60s. */
  static final class ConnectTimeoutConverter extends RangeConverter {
    ConnectTimeoutConverter() {
      super(60, "60s");
    }
  }

  /** A node's DNS refresh period: above 0 and at most 1h. */
  static final class DnsRefreshConverter extends RangeConverter {
    DnsRefreshConverter() {
      super(3_600, "1h");
    }
  }

  /** A retry policy's backoff base: above 0 and at most 10s. */
  static final class BackoffBaseConverter extends RangeConverter {
    BackoffBaseConverter() {
      super(10, "10s");
    }
  }

  /** A retry policy's backoff cap: above 0 and at most 60s. */
  static final class BackoffMaxConverter extends RangeConverter {
    BackoffMaxConverter() {
      super(60, "60s");
    }
  }

  /** The control plane's revision poll: above 0 and at most 1h. */
  static final class RevisionPollConverter extends RangeConverter {
    RevisionPollConverter() {
      super(3_600, "1h");
    }
  }

  /** How long the control plane keeps audit events: above 0 and at most 100 years. */
  static final class AuditRetentionConverter extends RangeConverter {
    AuditRetentionConverter() {
      super(100L * 365 * 86_400, "36500d");
    }
  }

  /** An HSTS max-age: above 0 and at most two years (the control plane's limit). */
  static final class HstsMaxAgeConverter extends RangeConverter {
    HstsMaxAgeConverter() {
      super(2L * 365 * 86_400, "730d");
    }
  }

  /** How close to expiry the control plane flags a certificate: above 0 and at most 365d. */
  static final class CertExpiryWarningConverter extends RangeConverter {
    CertExpiryWarningConverter() {
      super(365L * 86_400, "365d");
    }
  }

  /** A node join token's time to live: the control plane takes 1m to 30d. */
  static final class JoinTokenTtlConverter extends RangeConverter {
    JoinTokenTtlConverter() {
      super(30L * 86_400, "30d");
    }
  }

  /** How long node client certificates are valid: the control plane takes 5s to 30d. */
  static final class NodeCertTtlConverter extends RangeConverter {
    NodeCertTtlConverter() {
      super(30L * 86_400, "30d");
    }
  }

  /** picocli converter for duration options. */
  static final class Converter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
