package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitRulesTest {
  private static List<String> violations(RateLimit.Builder limit) {
    List<String> found = new ArrayList<>();
    PolicyRules.check(
        Policy.newBuilder().setName("policies/api").setRateLimit(limit).build(),
        "policy",
        (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static RateLimit.Builder perSecond(int requests) {
    return RateLimit.newBuilder().setRequests(requests).setUnit(RateLimit.Unit.SECOND);
  }

  @Test
  void acceptsEveryKeyAndUnitWithinLimits() {
    assertThat(violations(perSecond(100))).isEmpty();
    assertThat(
            violations(
                RateLimit.newBuilder()
                    .setRequests(1_000_000_000)
                    .setUnit(RateLimit.Unit.HOUR)
                    .setBurst(1_000_000_000)
                    .setKey(RateLimit.Key.HEADER)
                    .setHeader("X-Api-Key")
                    .setDryRun(true)
                    .setScope(RateLimit.Scope.LOCAL)))
        .isEmpty();
    assertThat(violations(perSecond(1).setUnit(RateLimit.Unit.MINUTE).setKey(RateLimit.Key.ROUTE)))
        .isEmpty();
  }

  @Test
  void refusesAMissingRateOrUnitAndTooLargeNumbers() {
    assertThat(violations(RateLimit.newBuilder()))
        .containsExactly(
            "policy.rate_limit.requests: must be at least 1 (requests per unit)",
            "policy.rate_limit.unit: a unit is required: SECOND, MINUTE or HOUR");
    assertThat(violations(perSecond(1_000_000_001).setBurst(-1)))
        .containsExactly(
            "policy.rate_limit.requests: must be at most 1000000000, not 1000000001",
            "policy.rate_limit.burst: must be at most 1000000000, not 4294967295");
    assertThat(violations(perSecond(1).setUnitValue(7)))
        .containsExactly(
            "policy.rate_limit.unit: unknown value 7 (one of UNIT_UNSPECIFIED, SECOND, MINUTE,"
                + " HOUR)");
  }

  @Test
  void aClaimKeyNeedsAClaimNameAndOnlyItTakesOne() {
    assertThat(violations(perSecond(1).setKey(RateLimit.Key.CLAIM)))
        .containsExactly(
            "policy.rate_limit.claim: a claim name is required with key CLAIM (e.g. sub)");
    assertThat(violations(perSecond(1).setKey(RateLimit.Key.CLAIM).setClaim("x".repeat(257))))
        .containsExactly("policy.rate_limit.claim: at most 256 characters");
    assertThat(violations(perSecond(1).setKey(RateLimit.Key.CLAIM).setClaim("sub"))).isEmpty();
    assertThat(violations(perSecond(1).setKey(RateLimit.Key.CONSUMER))).isEmpty();
    assertThat(violations(perSecond(1).setClaim("sub")))
        .containsExactly("policy.rate_limit.claim: only with key CLAIM");
  }

  @Test
  void aHeaderKeyNeedsAValidHeaderNameAndOnlyItTakesOne() {
    assertThat(violations(perSecond(1).setKey(RateLimit.Key.HEADER)))
        .containsExactly("policy.rate_limit.header: must not be empty");
    assertThat(violations(perSecond(1).setKey(RateLimit.Key.HEADER).setHeader("X Key")))
        .singleElement()
        .asString()
        .startsWith("policy.rate_limit.header: \"X Key\"");
    assertThat(violations(perSecond(1).setHeader("X-Api-Key")))
        .containsExactly("policy.rate_limit.header: only with key HEADER");
  }

  @Test
  void acceptsTheGlobalScopeWithAStoreErrorModeOnlyThere() {
    assertThat(violations(perSecond(1).setScope(RateLimit.Scope.GLOBAL))).isEmpty();
    assertThat(
            violations(
                perSecond(1)
                    .setScope(RateLimit.Scope.GLOBAL)
                    .setOnStoreError(RateLimit.OnStoreError.FAIL_CLOSED)))
        .isEmpty();
    assertThat(violations(perSecond(1).setOnStoreError(RateLimit.OnStoreError.FAIL_OPEN)))
        .containsExactly("policy.rate_limit.on_store_error: only with scope GLOBAL");
    assertThat(violations(perSecond(1).setScope(RateLimit.Scope.GLOBAL).setOnStoreErrorValue(9)))
        .containsExactly(
            "policy.rate_limit.on_store_error: unknown value 9 (one of"
                + " ON_STORE_ERROR_UNSPECIFIED, FAIL_OPEN, FAIL_CLOSED)");
  }
}
