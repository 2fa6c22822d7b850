package dev.concierge.cli;

import com.google.protobuf.FieldMask;
import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.Cluster;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code cluster create|update --max-connections --max-pending-requests --max-requests
 * --max-retries}: the cluster's circuit breakers. On update, the limits not given are kept.
 */
final class CircuitBreakerOptions {
  @Option(
      names = "--max-connections",
      paramLabel = "N|none",
      converter = LimitConverter.class,
      description =
          "Open connections to the cluster's endpoints per node (HTTP1 and HTTP2 clusters); 0 or"
              + " none clears.")
  @Nullable Integer maxConnections;

  @Option(
      names = "--max-pending-requests",
      paramLabel = "N|none",
      converter = LimitConverter.class,
      description =
          "Requests per node waiting for a connection (or an HTTP2 stream) while"
              + " --max-connections are open, answered 503 over it; 0 or none: no limit.")
  @Nullable Integer maxPendingRequests;

  @Option(
      names = "--max-requests",
      paramLabel = "N|none",
      converter = LimitConverter.class,
      description = "Requests in flight to the cluster per node; 0 or none clears.")
  @Nullable Integer maxRequests;

  @Option(
      names = "--max-retries",
      paramLabel = "N|none",
      converter = LimitConverter.class,
      description = "Retries in flight to the cluster per node; 0 or none clears.")
  @Nullable Integer maxRetries;

  boolean given() {
    return maxConnections != null
        || maxPendingRequests != null
        || maxRequests != null
        || maxRetries != null;
  }

  /**
   * Sets the limits given over {@code current}'s (kept when not given) on {@code cluster}, and
   * names the field in {@code mask}; no limit left clears the field.
   */
  void applyTo(Cluster current, Cluster.Builder cluster, FieldMask.Builder mask) {
    if (!given()) {
      return;
    }
    CircuitBreakers.Builder breakers = current.getCircuitBreakers().toBuilder();
    if (maxConnections != null) {
      breakers.setMaxConnections(maxConnections);
    }
    if (maxPendingRequests != null) {
      breakers.setMaxPendingRequests(maxPendingRequests);
    }
    if (maxRequests != null) {
      breakers.setMaxRequests(maxRequests);
    }
    if (maxRetries != null) {
      breakers.setMaxRetries(maxRetries);
    }
    if (!breakers.build().equals(CircuitBreakers.getDefaultInstance())) {
      cluster.setCircuitBreakers(breakers);
    }
    mask.addPaths("circuit_breakers");
  }

  /** The limits set, as {@code max_requests=100 max_retries=3}, or {@code none}. */
  static String describe(Cluster cluster) {
    CircuitBreakers b = cluster.getCircuitBreakers();
    List<String> set = new ArrayList<>();
    add(set, "max_connections", b.getMaxConnections());
    add(set, "max_pending_requests", b.getMaxPendingRequests());
    add(set, "max_requests", b.getMaxRequests());
    add(set, "max_retries", b.getMaxRetries());
    return set.isEmpty() ? "none" : String.join(" ", set);
  }

  private static void add(List<String> set, String name, int value) {
    if (value != 0) {
      set.add(name + "=" + Integer.toUnsignedString(value));
    }
  }

  /** Parses a count, {@code 0} or {@code none}. */
  static final class LimitConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      String v = value.strip();
      if (v.equalsIgnoreCase("none")) {
        return 0;
      }
      try {
        int n = Integer.parseInt(v);
        if (n >= 0 && n <= 1_000_000) {
          return n;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new TypeConversionException(
          "'" + value + "' is not a limit (0-1000000, or none for no limit)");
    }
  }
}
