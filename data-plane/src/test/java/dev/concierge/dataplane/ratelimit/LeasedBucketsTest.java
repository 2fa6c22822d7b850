package dev.concierge.dataplane.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.FixedClient;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

/**
 * The node's side of GLOBAL limits on an injected clock and an in-memory store: leases that grow so
 * most requests decide locally, one lease request in flight per key, local refusals while the store
 * said the bucket is empty, leases that expire, and the store-error modes.
 */
class LeasedBucketsTest {
  private static final long INTERVAL = TimeUnit.MILLISECONDS.toNanos(10); // 100 per second
  private static final long BURST = 100;

  // Starts far from 0 so that arithmetic on the clock's differences is exercised.
  private final AtomicLong clock = new AtomicLong(-7_000_000_000L);
  private final FakeStore store = new FakeStore(clock::get);
  private final GlobalLimits global = GlobalLimits.of(store, clock::get);

  private LeasedBuckets buckets(boolean failOpen) {
    return new LeasedBuckets(
        "policies/api",
        "ns:",
        key -> key.toString(),
        INTERVAL,
        INTERVAL * BURST,
        LeasedBuckets.maxLease(INTERVAL, BURST),
        failOpen,
        global);
  }

  /** Takes a token, waiting for lease requests the (synchronous) store already answered. */
  private long decide(LeasedBuckets buckets, Object key) {
    for (int tries = 0; tries < 10; tries++) {
      LeasedBuckets.Wait wait = new LeasedBuckets.Wait();
      long taken = buckets.take(key, clock.get(), wait);
      if (taken != LeasedBuckets.PENDING) {
        return taken;
      }
      assertThat(wait.stage).isNotNull().isDone();
    }
    throw new AssertionError("no decision after 10 lease requests");
  }

  private int admitted(LeasedBuckets buckets, Object key, int tries) {
    int passed = 0;
    for (int i = 0; i < tries; i++) {
      passed += decide(buckets, key) > 0 ? 1 : 0;
    }
    return passed;
  }

  private void advanceMillis(long millis) {
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
  }

  @Test
  void theLargestLeaseIsATenthOfASecondOfTheRateAndATenthOfTheBurstAtMost() {
    assertThat(LeasedBuckets.maxLease(INTERVAL, BURST)).isEqualTo(10);
    // 100 a minute: 1.7 a second, so one token at a time.
    assertThat(LeasedBuckets.maxLease(TimeUnit.MILLISECONDS.toNanos(600), 100)).isEqualTo(1);
    assertThat(LeasedBuckets.maxLease(TimeUnit.MICROSECONDS.toNanos(1), 1_000_000))
        .isEqualTo(100_000L);
    assertThat(LeasedBuckets.maxLease(TimeUnit.MICROSECONDS.toNanos(1), 5)).isEqualTo(1);
  }

  @Test
  void letsTheSharedBurstThroughWithFewStoreCallsAsLeasesGrow() {
    LeasedBuckets buckets = buckets(true);
    assertThat(admitted(buckets, "k", 150)).isEqualTo(100);
    // Leases of 1, 2, 4, 8, then 10 at a time: 13 calls for the burst, and a refused one.
    assertThat(store.wants).startsWith(1L, 2L, 4L, 8L, 10L, 10L);
    assertThat(store.leases).hasSize(14).allMatch("ns:k"::equals);
  }

  @Test
  void refusesLocallyUntilTheStoreSaidATokenComes() {
    LeasedBuckets buckets = buckets(true);
    assertThat(admitted(buckets, "k", 100)).isEqualTo(100);
    int calls = store.leases.size();
    long refused = decide(buckets, "k");
    assertThat(refused).isEqualTo(-INTERVAL);
    assertThat(admitted(buckets, "k", 50)).isZero();
    advanceMillis(4);
    assertThat(decide(buckets, "k")).isEqualTo(-TimeUnit.MILLISECONDS.toNanos(6));
    assertThat(store.leases).as("decided locally").hasSize(calls + 1);
    advanceMillis(6);
    assertThat(admitted(buckets, "k", 3)).isEqualTo(1);
  }

  @Test
  void keysHaveBucketsOfTheirOwn() {
    LeasedBuckets buckets = buckets(true);
    assertThat(admitted(buckets, "a", 120)).isEqualTo(100);
    assertThat(admitted(buckets, "b", 120)).isEqualTo(100);
    assertThat(store.leases).contains("ns:a", "ns:b");
  }

  @Test
  void requestsWaitingForTheStoreShareOneLeaseRequest() {
    LeasedBuckets buckets = buckets(true);
    store.holding = true;
    LeasedBuckets.Wait first = new LeasedBuckets.Wait();
    LeasedBuckets.Wait second = new LeasedBuckets.Wait();
    assertThat(buckets.take("k", clock.get(), first)).isEqualTo(LeasedBuckets.PENDING);
    assertThat(buckets.take("k", clock.get(), second)).isEqualTo(LeasedBuckets.PENDING);
    CompletableFuture<Void> stage = Objects.requireNonNull(first.stage);
    assertThat(second.stage).isSameAs(stage);
    assertThat(stage).isNotDone();
    assertThat(store.leases).hasSize(1);

    store.release();
    assertThat(stage).isCompleted();
    // The lease of 1 goes to one of them; the other asks again (for 2).
    assertThat(decide(buckets, "k")).isPositive();
    assertThat(decide(buckets, "k")).isPositive();
    assertThat(store.wants).containsExactly(1L, 2L);
  }

  @Test
  void leasedTokensUnspentForASecondAreDroppedAndTheLeaseShrinks() {
    LeasedBuckets buckets = buckets(true);
    assertThat(admitted(buckets, "k", 4)).isEqualTo(4); // leases of 1, 2, then 4 (3 left)
    assertThat(store.wants).containsExactly(1L, 2L, 4L);
    advanceMillis(1_001);
    assertThat(admitted(buckets, "k", 1)).isEqualTo(1);
    assertThat(store.wants).containsExactly(1L, 2L, 4L, 4L);
  }

  @Test
  void failsOpenByDefaultCountingEachRequestAndAsksAgainAfterASecond() {
    LeasedBuckets buckets = buckets(true);
    store.failing = true;
    assertThat(admitted(buckets, "k", 5)).isEqualTo(5);
    assertThat(global.storeErrors()).isEqualTo(5);
    assertThat(store.leases).as("one try, then decided without the store").hasSize(1);
    advanceMillis(1_000);
    store.failing = false;
    assertThat(admitted(buckets, "k", 1)).isEqualTo(1);
    assertThat(store.leases).hasSize(2);
    assertThat(global.storeErrors()).isEqualTo(5);
  }

  @Test
  void failsClosedWhenAskedWithTheWaitUntilTheNextTry() {
    LeasedBuckets buckets = buckets(false);
    store.failing = true;
    assertThat(decide(buckets, "k")).isEqualTo(-TimeUnit.SECONDS.toNanos(1));
    advanceMillis(300);
    assertThat(decide(buckets, "k")).isEqualTo(-TimeUnit.MILLISECONDS.toNanos(700));
    assertThat(global.storeErrors()).isEqualTo(2);
  }

  @Test
  void sweepsKeysIdleForTwoLeaseLifetimes() {
    LeasedBuckets buckets = buckets(true);
    admitted(buckets, "k", 1);
    assertThat(buckets.sweep(clock.get())).isZero();
    advanceMillis(2_001);
    assertThat(buckets.sweep(clock.get())).isEqualTo(1);
    assertThat(buckets.size()).isZero();
  }

  @Test
  void aGlobalPolicyWaitsForTheStoreThenAnswersAsALocalOne() {
    RateLimitPolicyCompiler compiler =
        new RateLimitPolicyCompiler(clock::get, new BucketSweeper(), global);
    Route route = Route.newBuilder().setName("routes/a").addPolicies("policies/g").build();
    Policy policy =
        Policy.newBuilder()
            .setName("policies/g")
            .setRateLimit(
                RateLimit.newBuilder()
                    .setRequests(2)
                    .setUnit(RateLimit.Unit.SECOND)
                    .setKey(RateLimit.Key.ROUTE)
                    .setScope(RateLimit.Scope.GLOBAL))
            .build();
    RateLimitPolicy limited =
        Objects.requireNonNull(
            compiler
                .forSnapshot(
                    ConfigSnapshot.newBuilder().addRoutes(route).addPolicies(policy).build())
                .compile(route));
    FixedClient client =
        new FixedClient(Objects.requireNonNull(ClientAddress.parseHop("192.0.2.1")), false);
    RateLimitPolicy.Verdict ignored = RateLimitPolicy.Verdict.ignored();
    store.holding = true;
    Admission waiting = limited.admit(HttpFields.EMPTY, client, ignored);
    assertThat(waiting.admitted()).isFalse();
    assertThat(waiting.retry()).isNotNull().isNotDone();
    store.release();
    assertThat(limited.admit(HttpFields.EMPTY, client, ignored).admitted()).isTrue();
    assertThat(store.leases)
        .singleElement()
        .asString()
        .startsWith("concierge:rl:policies/g:")
        .endsWith(":route");
    // 2 a second is one token per lease: the burst's second token, then the store's refusal.
    Admission second = limited.admit(HttpFields.EMPTY, client, ignored);
    assertThat(second.retry()).isNotNull().isDone();
    assertThat(limited.admit(HttpFields.EMPTY, client, ignored).admitted()).isTrue();
    Admission third = limited.admit(HttpFields.EMPTY, client, ignored);
    assertThat(third.retry()).isNotNull().isDone();
    assertThat(limited.admit(HttpFields.EMPTY, client, ignored).admitted()).isFalse();
    assertThat(limited.rules().get(0).refusedByRoute()).containsEntry("routes/a", 1L);
  }

  @Test
  void aNodeWithoutAStoreDecidesGlobalLimitsByTheirStoreErrorMode() {
    GlobalLimits none = GlobalLimits.of(RateLimitStore.none(), clock::get);
    LeasedBuckets buckets =
        new LeasedBuckets(
            "policies/api", "ns:", Object::toString, INTERVAL, INTERVAL, 1, true, none);
    assertThat(decide(buckets, "k")).isPositive();
    assertThat(decide(buckets, "k")).isPositive();
    assertThat(none.storeErrors()).isEqualTo(2);
  }
}
