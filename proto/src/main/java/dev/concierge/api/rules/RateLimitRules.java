package dev.concierge.api.rules;

import dev.concierge.api.v1.RateLimit;

/**
 * The rules of a rate limit: 1 to {@value #MAX_REQUESTS} requests per a given unit, a burst of at
 * most as many, a known key (a valid header name with {@code HEADER}, a claim name with {@code
 * CLAIM}, neither otherwise), a known scope, and a store-error mode only with the {@code GLOBAL}
 * scope.
 */
public final class RateLimitRules {
  /** Most requests per unit, and largest burst. */
  public static final long MAX_REQUESTS = 1_000_000_000L;

  /** Longest JWT claim name a CLAIM key may name. */
  public static final int MAX_CLAIM_LENGTH = 256;

  private RateLimitRules() {}

  /** Tells {@code sink} every broken field of {@code limit}, under {@code prefix}. */
  public static void check(RateLimit limit, String prefix, ViolationSink sink) {
    long requests = Integer.toUnsignedLong(limit.getRequests());
    if (requests == 0) {
      sink.add(prefix + ".requests", "must be at least 1 (requests per unit)");
    }
    FieldChecks.atMost(requests, MAX_REQUESTS, "1000000000", prefix + ".requests", sink);
    FieldChecks.atMost(
        Integer.toUnsignedLong(limit.getBurst()),
        MAX_REQUESTS,
        "1000000000",
        prefix + ".burst",
        sink);
    if (FieldChecks.known(
            limit.getUnitValue(), RateLimit.Unit.getDescriptor(), prefix + ".unit", sink)
        && limit.getUnit() == RateLimit.Unit.UNIT_UNSPECIFIED) {
      sink.add(prefix + ".unit", "a unit is required: SECOND, MINUTE or HOUR");
    }
    if (FieldChecks.known(limit.getKeyValue(), RateLimit.Key.getDescriptor(), prefix + ".key", sink)
        && limit.getKey() == RateLimit.Key.HEADER) {
      String problem = RequestMatchRules.headerNameProblem(limit.getHeader());
      if (problem != null) {
        sink.add(prefix + ".header", problem);
      }
    } else if (!limit.getHeader().isEmpty()) {
      sink.add(prefix + ".header", "only with key HEADER");
    }
    if (limit.getKey() == RateLimit.Key.CLAIM) {
      if (limit.getClaim().isBlank()) {
        sink.add(prefix + ".claim", "a claim name is required with key CLAIM (e.g. sub)");
      } else if (limit.getClaim().length() > MAX_CLAIM_LENGTH) {
        sink.add(prefix + ".claim", "at most " + MAX_CLAIM_LENGTH + " characters");
      }
    } else if (!limit.getClaim().isEmpty()) {
      sink.add(prefix + ".claim", "only with key CLAIM");
    }
    boolean scopeKnown =
        FieldChecks.known(
            limit.getScopeValue(), RateLimit.Scope.getDescriptor(), prefix + ".scope", sink);
    boolean modeKnown =
        FieldChecks.known(
            limit.getOnStoreErrorValue(),
            RateLimit.OnStoreError.getDescriptor(),
            prefix + ".on_store_error",
            sink);
    if (scopeKnown
        && modeKnown
        && limit.getScope() != RateLimit.Scope.GLOBAL
        && limit.getOnStoreError() != RateLimit.OnStoreError.ON_STORE_ERROR_UNSPECIFIED) {
      sink.add(prefix + ".on_store_error", "only with scope GLOBAL");
    }
  }
}
