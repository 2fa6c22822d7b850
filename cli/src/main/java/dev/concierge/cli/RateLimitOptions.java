package dev.concierge.cli;

import dev.concierge.api.v1.RateLimit;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options of a rate-limit policy for policy create and update (--rate, --burst, --key,
 * --dry-run, --scope, --on-store-error); only what is given is applied.
 */
final class RateLimitOptions {
  @Option(
      names = "--rate",
      paramLabel = "N/UNIT",
      converter = RateConverter.class,
      description =
          "Make this a rate-limit policy: N requests per s, m or h, e.g. 100/s or 1000/h; a"
              + " request finding no token gets 429 with Retry-After.")
  RateLimit.@Nullable Builder rate;

  @Option(
      names = "--burst",
      paramLabel = "N",
      description = "Most requests let through at once after a quiet time (default: N of --rate).")
  @Nullable Integer burst;

  @Option(
      names = "--key",
      paramLabel = "KEY",
      converter = KeyConverter.class,
      description =
          "What a bucket is kept for: client (default: the client's address, behind the node's"
              + " --trusted-proxy the X-Forwarded-For client), route (one for the route) or"
              + " header:NAME (the header's value; requests without it share one bucket) or"
              + " consumer (the one a key-auth or basic-auth policy authenticated) or claim:NAME"
              + " (a claim of the request's verified JWT, e.g. claim:sub).")
  RateLimit.@Nullable Builder key;

  @Option(
      names = "--dry-run",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Try the limit out: count what it would refuse, but refuse nothing (update:"
              + " --dry-run=false to enforce it).")
  @Nullable Boolean dryRun;

  @Option(
      names = "--scope",
      paramLabel = "SCOPE",
      converter = ScopeConverter.class,
      description =
          "local (default: each node counts on its own, so N nodes let N times the rate through)"
              + " or global (one limit for the whole fleet, shared through the nodes' --redis).")
  RateLimit.@Nullable Scope scope;

  @Option(
      names = "--on-store-error",
      paramLabel = "MODE",
      converter = StoreErrorConverter.class,
      description =
          "With --scope global, when Redis cannot answer: open (default: let requests through)"
              + " or closed (answer 429).")
  RateLimit.@Nullable OnStoreError onStoreError;

  /** Whether any rate-limit option was given. */
  boolean given() {
    return rate != null
        || burst != null
        || key != null
        || dryRun != null
        || scope != null
        || onStoreError != null;
  }

  /** {@code current} with what was given applied. */
  RateLimit applyTo(RateLimit current) {
    RateLimit.Builder limit = current.toBuilder();
    if (rate != null) {
      limit.setRequests(rate.getRequests()).setUnit(rate.getUnit());
    }
    if (burst != null) {
      limit.setBurst(burst);
    }
    if (key != null) {
      limit.setKey(key.getKey()).setHeader(key.getHeader()).setClaim(key.getClaim());
    }
    if (dryRun != null) {
      limit.setDryRun(dryRun);
    }
    if (scope != null) {
      limit.setScope(scope);
      if (scope != RateLimit.Scope.GLOBAL && onStoreError == null) {
        limit.clearOnStoreError(); // only with GLOBAL
      }
    }
    if (onStoreError != null) {
      limit.setOnStoreError(onStoreError);
    }
    return limit.build();
  }

  /** One line for {@code policy get}: {@code rate: 100/s, burst 100, key client}. */
  static String describe(RateLimit limit) {
    long burst =
        limit.getBurst() == 0
            ? Integer.toUnsignedLong(limit.getRequests())
            : Integer.toUnsignedLong(limit.getBurst());
    return "rate: "
        + rate(limit)
        + ", burst "
        + burst
        + ", key "
        + key(limit)
        + (limit.getScope() == RateLimit.Scope.GLOBAL
            ? ", global"
                + (limit.getOnStoreError() == RateLimit.OnStoreError.FAIL_CLOSED
                    ? " (closed on store error)"
                    : "")
            : "")
        + (limit.getDryRun() ? ", dry run" : "");
  }

  /** How {@code limit} is typed: {@code 100/s}. */
  static String rate(RateLimit limit) {
    String unit =
        switch (limit.getUnit()) {
          case MINUTE -> "m";
          case HOUR -> "h";
          default -> "s";
        };
    return Integer.toUnsignedString(limit.getRequests()) + "/" + unit;
  }

  /** How {@code limit}'s key is typed: client, route, header:NAME, consumer or claim:NAME. */
  static String key(RateLimit limit) {
    return switch (limit.getKey()) {
      case HEADER -> "header:" + limit.getHeader();
      case ROUTE -> "route";
      case CONSUMER -> "consumer";
      case CLAIM -> "claim:" + limit.getClaim();
      default -> "client";
    };
  }

  /** Parses {@code --rate}: a count, a slash and s, m or h (or second, minute, hour). */
  static final class RateConverter implements ITypeConverter<RateLimit.Builder> {
    @Override
    public RateLimit.Builder convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      int slash = v.indexOf('/');
      RateLimit.Unit unit =
          slash < 0
              ? null
              : switch (v.substring(slash + 1)) {
                case "s", "sec", "second" -> RateLimit.Unit.SECOND;
                case "m", "min", "minute" -> RateLimit.Unit.MINUTE;
                case "h", "hour" -> RateLimit.Unit.HOUR;
                default -> null;
              };
      if (unit == null) {
        throw new TypeConversionException(
            "'" + value + "' is not a rate (expected N/s, N/m or N/h, e.g. 100/s)");
      }
      try {
        return RateLimit.newBuilder()
            .setRequests(Integer.parseUnsignedInt(v.substring(0, slash)))
            .setUnit(unit);
      } catch (NumberFormatException e) {
        throw new TypeConversionException(
            "'" + value + "' is not a rate (expected N/s, N/m or N/h, e.g. 100/s)");
      }
    }
  }

  /** Parses {@code --key}: client, route, header:NAME, consumer or claim:NAME. */
  static final class KeyConverter implements ITypeConverter<RateLimit.Builder> {
    @Override
    public RateLimit.Builder convert(String value) {
      String v = value.strip();
      String lower = v.toLowerCase(Locale.ROOT);
      if (lower.equals("client")) {
        return RateLimit.newBuilder().setKey(RateLimit.Key.CLIENT);
      }
      if (lower.equals("route")) {
        return RateLimit.newBuilder().setKey(RateLimit.Key.ROUTE);
      }
      if (lower.equals("consumer")) {
        return RateLimit.newBuilder().setKey(RateLimit.Key.CONSUMER);
      }
      if (lower.startsWith("claim:") && v.length() > "claim:".length()) {
        return RateLimit.newBuilder()
            .setKey(RateLimit.Key.CLAIM)
            .setClaim(v.substring("claim:".length()));
      }
      if (lower.startsWith("header:") && v.length() > "header:".length()) {
        return RateLimit.newBuilder()
            .setKey(RateLimit.Key.HEADER)
            .setHeader(v.substring("header:".length()));
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a key (expected client, route, header:NAME, consumer or claim:NAME)");
    }
  }

  /** Parses {@code --scope}: {@code local} or {@code global}. */
  static final class ScopeConverter implements ITypeConverter<RateLimit.Scope> {
    @Override
    public RateLimit.Scope convert(String value) {
      return switch (value.strip().toLowerCase(Locale.ROOT)) {
        case "local" -> RateLimit.Scope.LOCAL;
        case "global" -> RateLimit.Scope.GLOBAL;
        default ->
            throw new TypeConversionException(
                "'" + value + "' is not a scope (expected local or global)");
      };
    }
  }

  /** Parses {@code --on-store-error}: {@code open} or {@code closed}. */
  static final class StoreErrorConverter implements ITypeConverter<RateLimit.OnStoreError> {
    @Override
    public RateLimit.OnStoreError convert(String value) {
      return switch (value.strip().toLowerCase(Locale.ROOT)) {
        case "open", "fail-open", "fail_open" -> RateLimit.OnStoreError.FAIL_OPEN;
        case "closed", "fail-closed", "fail_closed" -> RateLimit.OnStoreError.FAIL_CLOSED;
        default ->
            throw new TypeConversionException(
                "'" + value + "' is not a store-error mode (expected open or closed)");
      };
    }
  }
}
