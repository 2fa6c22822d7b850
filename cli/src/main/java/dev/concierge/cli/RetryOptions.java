package dev.concierge.cli;

import com.google.protobuf.Duration;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.RetryPolicy;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code route create|update} options of a forward's retry policy and idle timeout; only what is
 * given is applied, onto the stored forward on update.
 */
final class RetryOptions {
  @Option(
      names = "--retry-on",
      paramLabel = "WHEN",
      split = ",",
      converter = RetryOnConverter.class,
      description =
          "When a failed try is tried again: connect-failure, reset, 502, 503, 504,"
              + " per-try-timeout, comma-separated (default connect-failure,reset; update:"
              + " replaces all).")
  @Nullable List<RetryPolicy.RetryOn> retryOn;

  @Option(
      names = "--per-try-timeout",
      paramLabel = "DURATION",
      converter = Durations.RouteTimeoutConverter.class,
      description = "Time allowed to one try, above 0 and at most 1h, e.g. 2s (default none).")
  @Nullable Duration perTryTimeout;

  @Option(
      names = "--retry-backoff",
      paramLabel = "BASE[:MAX]",
      converter = BackoffConverter.class,
      description =
          "Wait before retries: up to BASE doubling per retry, at most MAX, at random (full"
              + " jitter); e.g. 25ms:250ms (default 25ms, MAX 10 x BASE).")
  @Nullable Backoff backoff;

  @Option(
      names = "--retry-non-idempotent",
      paramLabel = "BOOL",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Also retry POST, PATCH and other non-idempotent methods after a reset, a status or a"
              + " per-try timeout (default false).")
  @Nullable Boolean retryNonIdempotent;

  @Option(
      names = "--idle-timeout",
      paramLabel = "DURATION",
      converter = Durations.RouteTimeoutConverter.class,
      description =
          "Longest upstream inactivity of a try, above 0 and at most 1h: 504 before the response"
              + " head, the response cut after; also a WebSocket tunnel's idle limit (default none;"
              + " tunnels 60s).")
  @Nullable Duration idleTimeout;

  /** A backoff as typed: its base and, if given, its cap. */
  record Backoff(Duration base, @Nullable Duration max) {}

  /** Whether any option was given. */
  boolean given() {
    return retryOn != null
        || perTryTimeout != null
        || backoff != null
        || retryNonIdempotent != null
        || idleTimeout != null;
  }

  /** Sets what was given on {@code forward}. */
  ForwardAction.Builder applyTo(ForwardAction.Builder forward) {
    if (idleTimeout != null) {
      forward.setIdleTimeout(idleTimeout);
    }
    if (retryOn == null && perTryTimeout == null && backoff == null && retryNonIdempotent == null) {
      return forward;
    }
    RetryPolicy.Builder policy = forward.getRetryPolicyBuilder();
    if (retryOn != null) {
      policy.clearRetryOn().addAllRetryOn(retryOn);
    }
    if (perTryTimeout != null) {
      policy.setPerTryTimeout(perTryTimeout);
    }
    if (backoff != null) {
      policy.setBackoffBase(backoff.base());
      if (backoff.max() != null) {
        policy.setBackoffMax(backoff.max());
      } else {
        policy.clearBackoffMax();
      }
    }
    if (retryNonIdempotent != null) {
      policy.setRetryNonIdempotent(retryNonIdempotent);
    }
    return forward;
  }

  /** How a condition is typed: {@code STATUS_503} is {@code 503}. */
  static String typed(RetryPolicy.RetryOn on) {
    return on.name().startsWith("STATUS_") ? on.name().substring(7) : EnumChoices.name(on);
  }

  /** Parses one {@code --retry-on} value. */
  static final class RetryOnConverter implements ITypeConverter<RetryPolicy.RetryOn> {
    @Override
    public RetryPolicy.RetryOn convert(String value) {
      String v = value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
      for (RetryPolicy.RetryOn on : RetryPolicy.RetryOn.values()) {
        if (on != RetryPolicy.RetryOn.RETRY_ON_UNSPECIFIED
            && on != RetryPolicy.RetryOn.UNRECOGNIZED
            && typed(on).equals(v)) {
          return on;
        }
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a retry condition (expected connect-failure, reset, 502, 503, 504 or"
              + " per-try-timeout)");
    }
  }

  /** Parses {@code --retry-backoff BASE[:MAX]}. */
  static final class BackoffConverter implements ITypeConverter<Backoff> {
    @Override
    public Backoff convert(String value) {
      int colon = value.indexOf(':');
      Duration base =
          new Durations.BackoffBaseConverter()
              .convert(colon < 0 ? value : value.substring(0, colon));
      Duration max =
          colon < 0
              ? null
              : new Durations.BackoffMaxConverter().convert(value.substring(colon + 1));
      return new Backoff(base, max);
    }
  }
}
