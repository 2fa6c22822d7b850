package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.dataplane.DataPlaneServer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate-limit policies through a real node: after the burst a 429 with Retry-After and the draft's
 * RateLimit fields, never reaching the backend; header keys counted apart; a dry run that never
 * refuses. Limits are per hour, so no token comes back while a test runs (no timing involved).
 */
class RateLimitIT {
  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer node;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    node = fleet.startNode("n1");
    fleet.createCluster("app", backend);
    createPolicy("three", perHour(3));
    createPolicy("per-key", perHour(2).setKey(RateLimit.Key.HEADER).setHeader("X-Api-Key"));
    createPolicy("trial", perHour(1).setDryRun(true));
    fleet.createRoute("limited", withPolicy("/limited", "three"));
    fleet.createRoute("keyed", withPolicy("/keyed", "per-key"));
    fleet.createRoute("trial", withPolicy("/trial", "trial"));
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    if (fleet != null) {
      fleet.close();
    }
    if (backend != null) {
      backend.close();
    }
  }

  private static RateLimit.Builder perHour(int burst) {
    return RateLimit.newBuilder().setRequests(1).setUnit(RateLimit.Unit.HOUR).setBurst(burst);
  }

  private void createPolicy(String id, RateLimit.Builder limit) {
    fleet
        .api()
        .createPolicy(
            CreatePolicyRequest.newBuilder()
                .setPolicyId(id)
                .setPolicy(Policy.newBuilder().setRateLimit(limit))
                .build());
  }

  private static dev.concierge.api.v1.Route withPolicy(String path, String policy) {
    return Fleet.routeTo(path, "app").toBuilder().addPolicies("policies/" + policy).build();
  }

  private HttpResponse<String> get(String path) {
    return Http.get(node.httpPort(), path);
  }

  private HttpResponse<String> withKey(String path, String key) {
    return Http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
            .header("X-Api-Key", key)
            .GET());
  }

  @Test
  void afterTheBurstAnswers429WithRetryAfterAndRateLimitFields() {
    HttpResponse<String> first = get("/limited");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("app");
    // Three tokens at one an hour: the quota of 3 refills in 3 hours.
    assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue("\"three\";q=3;w=10800");
    assertThat(first.headers().firstValue("RateLimit")).hasValue("\"three\";r=2;t=3600");
    assertThat(get("/limited").statusCode()).isEqualTo(200);
    assertThat(get("/limited").statusCode()).isEqualTo(200);
    int before = backend.requests();

    HttpResponse<String> refused = get("/limited");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.body())
        .startsWith("too many requests: rate limit policies/three has no token left\n");
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(3000L, 3600L);
    assertThat(refused.headers().firstValue("RateLimit-Policy")).hasValue("\"three\";q=3;w=10800");
    assertThat(refused.headers().firstValue("RateLimit")).hasValue("\"three\";r=0;t=" + retryAfter);
    assertThat(refused.headers().firstValue("X-Request-Id")).isPresent();
    assertThat(get("/limited").statusCode()).isEqualTo(429);
    assertThat(backend.requests()).as("refused requests never reach the backend").isEqualTo(before);
  }

  @Test
  void eachHeaderValueHasItsOwnBucket() {
    assertThat(withKey("/keyed", "alice").statusCode()).isEqualTo(200);
    assertThat(withKey("/keyed", "alice").statusCode()).isEqualTo(200);
    assertThat(withKey("/keyed", "alice").statusCode()).isEqualTo(429);
    assertThat(withKey("/keyed", "bob").statusCode()).isEqualTo(200);
    assertThat(withKey("/keyed", "bob").statusCode()).isEqualTo(200);
    assertThat(withKey("/keyed", "bob").statusCode()).isEqualTo(429);
    // Requests without the header share one bucket of their own.
    assertThat(get("/keyed").statusCode()).isEqualTo(200);
    assertThat(get("/keyed").statusCode()).isEqualTo(200);
    assertThat(get("/keyed").statusCode()).isEqualTo(429);
    assertThat(withKey("/keyed", "carol").statusCode()).isEqualTo(200);
  }

  @Test
  void aDryRunNeverRefusesNorAdvertises() {
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> response = get("/trial");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("RateLimit")).isEmpty();
    }
    // Other routes are not limited by it.
    assertThat(get("/keyed").statusCode()).isEqualTo(200);
  }
}
