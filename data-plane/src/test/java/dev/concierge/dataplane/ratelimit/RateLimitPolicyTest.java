package dev.concierge.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
import dev.concierge.dataplane.client.FixedClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

/**
 * Rate limits on an injected clock: the burst, then refusals with the wait for the next token,
 * refill at the configured rate, independent keys, dry run, several policies on a route, buckets
 * that survive a config swap, and the sweep of full buckets.
 */
class RateLimitPolicyTest {
  private static final HttpFields NO_HEADERS = HttpFields.EMPTY;

  // Starts far from 0 so that arithmetic on the clock's differences is exercised.
  private final AtomicLong clock = new AtomicLong(-5_000_000_000L);
  private final BucketSweeper sweeper = new BucketSweeper();
  private final RateLimitPolicyCompiler compiler = new RateLimitPolicyCompiler(clock::get, sweeper);

  private static Policy policy(String id, boolean fleetDefault, RateLimit.Builder limit) {
    return Policy.newBuilder()
        .setName("policies/" + id)
        .setFleetDefault(fleetDefault)
        .setRateLimit(limit)
        .build();
  }

  private static RateLimit.Builder perSecond(int requests, int burst) {
    return RateLimit.newBuilder()
        .setRequests(requests)
        .setUnit(RateLimit.Unit.SECOND)
        .setBurst(burst);
  }

  private static Route route(String name, String... policies) {
    Route.Builder route = Route.newBuilder().setName("routes/" + name);
    for (String p : policies) {
      route.addPolicies("policies/" + p);
    }
    return route.build();
  }

  private RateLimitPolicy compile(Route route, Policy... policies) {
    ConfigSnapshot snapshot =
        ConfigSnapshot.newBuilder().addRoutes(route).addAllPolicies(List.of(policies)).build();
    RateLimitPolicy policy = compiler.forSnapshot(snapshot).compile(route);
    return policy == null ? RateLimitPolicy.none() : policy;
  }

  private static ClientFacts client(String address) {
    return new FixedClient(Objects.requireNonNull(ClientAddress.parseHop(address)), false);
  }

  private static ClientFacts consumer(String address, String name) {
    return new FixedClient(parse(address), false, name, Map.of());
  }

  private static ClientFacts withClaims(String address, Map<String, String> claims) {
    return new FixedClient(parse(address), false, null, claims);
  }

  private static ClientAddress parse(String address) {
    return Objects.requireNonNull(ClientAddress.parseHop(address));
  }

  /** What one request got: passed or not, and each refusal's wait. */
  private static final class Answers implements RateLimitPolicy.Verdict {
    final List<Long> waits = new ArrayList<>();
    final List<Long> remaining = new ArrayList<>();

    @Override
    public void passed(RateLimitRule rule, long fullInNanos) {
      remaining.add(rule.remaining(fullInNanos));
    }

    @Override
    public void refused(RateLimitRule rule, long waitNanos) {
      waits.add(waitNanos);
    }
  }

  private static boolean admit(RateLimitPolicy policy, ClientFacts client) {
    return admit(policy, NO_HEADERS, client);
  }

  private static boolean admit(RateLimitPolicy policy, HttpFields headers, ClientFacts client) {
    return policy.admit(headers, client, new Answers()).admitted();
  }

  private static int admitted(RateLimitPolicy policy, ClientFacts client, int tries) {
    int passed = 0;
    for (int i = 0; i < tries; i++) {
      passed += admit(policy, client) ? 1 : 0;
    }
    return passed;
  }

  private void advanceMillis(long millis) {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void aRouteWithoutRateLimitGetsTheNullObject() {
    assertThat(compile(route("a"))).isSameAs(RateLimitPolicy.none());
    assertThat(RateLimitPolicy.none().isNone()).isTrue();
  }

  @Test
  void letsTheBurstThroughThenRefusesWithTheWaitForTheNextToken() {
    RateLimitPolicy policy = compile(route("a", "ten"), policy("ten", false, perSecond(10, 5)));
    ClientFacts client = client("192.0.2.1");
    Answers answers = new Answers();
    for (int i = 0; i < 5; i++) {
      assertThat(policy.admit(NO_HEADERS, client, answers).admitted()).isTrue();
    }
    assertThat(answers.remaining).containsExactly(4L, 3L, 2L, 1L, 0L);
    Answers refused = new Answers();
    assertThat(policy.admit(NO_HEADERS, client, refused).admitted()).isFalse();
    assertThat(refused.waits).containsExactly(TimeUnit.MILLISECONDS.toNanos(100));
    advanceMillis(40);
    refused = new Answers();
    assertThat(policy.admit(NO_HEADERS, client, refused).admitted()).isFalse();
    assertThat(refused.waits).containsExactly(TimeUnit.MILLISECONDS.toNanos(60));
  }

  @Test
  void refillsAtTheConfiguredRateUpToTheBurst() {
    RateLimitPolicy policy = compile(route("a", "ten"), policy("ten", false, perSecond(10, 5)));
    ClientFacts client = client("192.0.2.1");
    assertThat(admitted(policy, client, 100)).isEqualTo(5);
    // 10 per second: one token every 100 ms.
    for (int i = 0; i < 20; i++) {
      advanceMillis(100);
      assertThat(admitted(policy, client, 3)).as("after %d00 ms more", i + 1).isEqualTo(1);
    }
    advanceMillis(99);
    assertThat(admitted(policy, client, 1)).isZero();
    // A long quiet time fills the bucket to the burst, not beyond.
    advanceMillis(60_000);
    assertThat(admitted(policy, client, 100)).isEqualTo(5);
  }

  @Test
  void refillsPerMinuteAndPerHour() {
    RateLimit.Builder perMinute =
        RateLimit.newBuilder().setRequests(6).setUnit(RateLimit.Unit.MINUTE);
    RateLimit.Builder perHour = RateLimit.newBuilder().setRequests(2).setUnit(RateLimit.Unit.HOUR);
    RateLimitPolicy minute = compile(route("m", "m"), policy("m", false, perMinute));
    RateLimitPolicy hour = compile(route("h", "h"), policy("h", false, perHour));
    ClientFacts client = client("192.0.2.1");
    // Burst 0 means the rate's number of requests.
    assertThat(admitted(minute, client, 10)).isEqualTo(6);
    assertThat(admitted(hour, client, 10)).isEqualTo(2);
    advanceMillis(9_999);
    assertThat(admitted(minute, client, 10)).isZero();
    advanceMillis(1);
    assertThat(admitted(minute, client, 10)).isEqualTo(1);
    advanceMillis(TimeUnit.MINUTES.toMillis(30) - 10_000);
    assertThat(admitted(hour, client, 10)).isEqualTo(1);
  }

  @Test
  void keepsOneBucketPerClientAddress() {
    RateLimitPolicy policy = compile(route("a", "two"), policy("two", false, perSecond(1, 2)));
    assertThat(admitted(policy, client("192.0.2.1"), 5)).isEqualTo(2);
    assertThat(admitted(policy, client("192.0.2.2"), 5)).isEqualTo(2);
    assertThat(admitted(policy, client("2001:db8::1"), 5)).isEqualTo(2);
    assertThat(admitted(policy, client("192.0.2.1"), 5)).isZero();
  }

  @Test
  void keepsOneBucketPerHeaderValueAndOneSharedByRequestsWithoutIt() {
    RateLimitPolicy policy =
        compile(
            route("a", "keyed"),
            policy(
                "keyed",
                false,
                perSecond(1, 2).setKey(RateLimit.Key.HEADER).setHeader("X-Api-Key")));
    ClientFacts one = client("192.0.2.1");
    ClientFacts other = client("192.0.2.2");
    HttpFields alice = HttpFields.build().add("x-api-key", "alice");
    HttpFields bob = HttpFields.build().add("X-Api-Key", "bob");
    assertThat(admit(policy, alice, one)).isTrue();
    assertThat(admit(policy, alice, other)).isTrue();
    assertThat(admit(policy, alice, one)).isFalse();
    assertThat(admit(policy, bob, one)).isTrue();
    // Without the header: one bucket for all, so leaving it out escapes nothing.
    assertThat(admit(policy, NO_HEADERS, one)).isTrue();
    assertThat(admit(policy, NO_HEADERS, other)).isTrue();
    assertThat(admit(policy, NO_HEADERS, client("192.0.2.3"))).isFalse();
  }

  @Test
  void keepsOneBucketPerConsumerAndOneSharedByRequestsWithoutOne() {
    RateLimitPolicy policy =
        compile(
            route("a", "per-consumer"),
            policy("per-consumer", false, perSecond(1, 2).setKey(RateLimit.Key.CONSUMER)));
    assertThat(admitted(policy, consumer("192.0.2.1", "alice"), 5)).isEqualTo(2);
    assertThat(admitted(policy, consumer("192.0.2.2", "alice"), 5))
        .as("a consumer's bucket follows it to another address")
        .isZero();
    assertThat(admitted(policy, consumer("192.0.2.1", "bob"), 5)).isEqualTo(2);
    assertThat(admitted(policy, client("192.0.2.3"), 5)).isEqualTo(2);
    assertThat(admitted(policy, client("192.0.2.4"), 5)).isZero();
  }

  @Test
  void keepsOneBucketPerJwtClaimValue() {
    RateLimitPolicy policy =
        compile(
            route("a", "per-tenant"),
            policy(
                "per-tenant",
                false,
                perSecond(1, 2).setKey(RateLimit.Key.CLAIM).setClaim("tenant")));
    assertThat(admitted(policy, withClaims("192.0.2.1", Map.of("tenant", "acme")), 5)).isEqualTo(2);
    assertThat(admitted(policy, withClaims("192.0.2.2", Map.of("tenant", "acme", "sub", "b")), 5))
        .as("another subject of the same tenant shares its bucket")
        .isZero();
    assertThat(admitted(policy, withClaims("192.0.2.1", Map.of("tenant", "globex")), 5))
        .isEqualTo(2);
    assertThat(admitted(policy, withClaims("192.0.2.3", Map.of("sub", "c")), 5)).isEqualTo(2);
    assertThat(admitted(policy, client("192.0.2.4"), 5))
        .as("no claim: one bucket shared with every request without it")
        .isZero();
  }

  @Test
  void aRouteKeyedLimitIsSharedByEveryClient() {
    RateLimitPolicy policy =
        compile(
            route("a", "whole"),
            policy("whole", false, perSecond(1, 2).setKey(RateLimit.Key.ROUTE)));
    assertThat(admit(policy, client("192.0.2.1"))).isTrue();
    assertThat(admit(policy, client("192.0.2.2"))).isTrue();
    assertThat(admit(policy, client("192.0.2.3"))).isFalse();
  }

  @Test
  void aDryRunNeverRefusesAndCountsWhatItWouldHaveRefused() {
    RateLimitPolicy policy =
        compile(route("a", "trial"), policy("trial", false, perSecond(1, 3).setDryRun(true)));
    Answers answers = new Answers();
    for (int i = 0; i < 10; i++) {
      assertThat(policy.admit(NO_HEADERS, client("192.0.2.1"), answers).admitted()).isTrue();
    }
    assertThat(answers.waits).isEmpty();
    assertThat(policy.rules().get(0).refusedByRoute()).containsEntry("routes/a", 7L);
  }

  @Test
  void everyPolicyOfTheRouteAppliesWithItsOwnBuckets() {
    Policy fleet = policy("fleet", true, perSecond(100, 3));
    Policy own = policy("own", false, perSecond(100, 2));
    RateLimitPolicy both = compile(route("a", "own"), fleet, own);
    assertThat(both.rules())
        .extracting(RateLimitRule::policy)
        .containsExactly("policies/fleet", "policies/own");
    ClientFacts client = client("192.0.2.1");
    Answers refused = new Answers();
    assertThat(admitted(both, client, 2)).isEqualTo(2);
    assertThat(both.admit(NO_HEADERS, client, refused).admitted()).isFalse();
    assertThat(refused.waits).hasSize(1);
    // The fleet default also limits a route without policies of its own; it took 3 tokens above.
    RateLimitPolicy defaultsOnly = compile(route("b"), fleet, own);
    assertThat(admitted(defaultsOnly, client, 5)).isZero();
    assertThat(both.rules().get(0).refusedByRoute()).containsEntry("routes/a", 0L);
    assertThat(both.rules().get(1).refusedByRoute()).containsEntry("routes/a", 1L);
    assertThat(defaultsOnly.rules().get(0).refusedByRoute()).containsEntry("routes/b", 5L);
  }

  @Test
  void bucketsSurviveAConfigSwapWhileThePolicyIsUnchanged() {
    Policy limit = policy("two", false, perSecond(1, 2));
    ClientFacts client = client("192.0.2.1");
    assertThat(admitted(compile(route("a", "two"), limit), client, 5)).isEqualTo(2);
    // Another snapshot (a route added) with the same policy: the same, empty, bucket.
    RateLimitPolicy again = compile(route("b", "two"), limit);
    assertThat(admitted(again, client, 5)).isZero();
    // A changed policy starts with full buckets.
    RateLimitPolicy changed = compile(route("a", "two"), policy("two", false, perSecond(1, 3)));
    assertThat(admitted(changed, client, 5)).isEqualTo(3);
  }

  @Test
  void theSweepDropsOnlyFullBuckets() {
    RateLimitPolicy policy = compile(route("a", "p"), policy("p", false, perSecond(10, 10)));
    RateLimitRule rule = policy.rules().get(0);
    for (int i = 0; i < 1000; i++) {
      admit(policy, client("10.0." + (i / 256) + "." + (i % 256)));
    }
    admitted(policy, client("192.0.2.1"), 10);
    assertThat(rule.buckets()).isEqualTo(1001);
    // One token taken 100 ms ago: full again. Ten taken: 1 s to go.
    advanceMillis(100);
    assertThat(sweeper.sweepNow()).isEqualTo(1000);
    assertThat(rule.buckets()).isEqualTo(1);
    assertThat(admitted(policy, client("192.0.2.1"), 10)).isEqualTo(1);
    advanceMillis(1000);
    assertThat(sweeper.sweepNow()).isEqualTo(1);
    assertThat(rule.buckets()).isZero();
    // A dropped bucket is a full one.
    assertThat(admitted(policy, client("192.0.2.1"), 20)).isEqualTo(10);
  }

  @Test
  void describesItselfInTheDraftFields() {
    RateLimitPolicy policy =
        compile(
            route("a", "api"),
            policy(
                "api",
                false,
                RateLimit.newBuilder()
                    .setRequests(100)
                    .setUnit(RateLimit.Unit.MINUTE)
                    .setBurst(20)));
    // 20 tokens at one per 600 ms: full in 12 s.
    assertThat(policy.rules().get(0).policyField()).isEqualTo("\"api\";q=20;w=12");
  }
}
