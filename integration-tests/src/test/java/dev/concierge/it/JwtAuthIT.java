package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.Durations;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.RateLimit;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.accesslog.AccessLogDestination;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWT policies through a real node, its keys fetched from a JWKS server the test runs on
 * 127.0.0.1:0 (cached for 1 s): a valid token passes and its {@code sub} reaches the backend in the
 * configured header, without the token; expired, wrong issuer, wrong audience, bad signature and
 * {@code alg: none} each get 401 with the RFC 6750 challenge and never reach the backend; the
 * access log names the subject ({@code jwt_sub}) and never holds the token; when the keys rotate at
 * the JWKS URL (new kid, old key removed) the node follows within its cache time.
 */
class JwtAuthIT {
  private static final String ISSUER = "https://issuer.test";

  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;
  private DataPlaneServer node;
  private HttpServer jwksServer;
  private final AtomicReference<String> jwks = new AtomicReference<>();
  private final AtomicInteger jwksFetches = new AtomicInteger();
  private RSAKey first;
  private Path accessLog;

  @BeforeEach
  void setUp() throws Exception {
    first = new RSAKeyGenerator(2048).keyID("key-1").generate();
    jwks.set(publicSet(first));
    jwksServer = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    jwksServer.createContext(
        "/.well-known/jwks.json",
        exchange -> {
          jwksFetches.incrementAndGet();
          byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    jwksServer.start();

    backend = TestBackend.start("app");
    fleet = Fleet.start(dataDir, 0);
    accessLog = dataDir.resolve("access.log");
    node = fleet.startNode("n1", b -> b.accessLog(AccessLogDestination.file(accessLog)));
    fleet.createCluster("app", backend);
    fleet
        .api()
        .createPolicy(
            CreatePolicyRequest.newBuilder()
                .setPolicyId("api-jwt")
                .setPolicy(
                    Policy.newBuilder()
                        .setJwtAuth(
                            JwtAuth.newBuilder()
                                .addIssuers(ISSUER)
                                .addAudiences("orders")
                                .setJwksUri(
                                    "http://127.0.0.1:"
                                        + jwksServer.getAddress().getPort()
                                        + "/.well-known/jwks.json")
                                .setJwksCacheDuration(Durations.fromSeconds(1))
                                .putClaimsToHeaders("sub", "X-User-Id")))
                .build());
    fleet.createRoute(
        "api", Fleet.routeTo("/api", "app").toBuilder().addPolicies("policies/api-jwt").build());
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
    if (jwksServer != null) {
      jwksServer.stop(0);
    }
  }

  private static String publicSet(RSAKey key) {
    return new JWKSet(key.toPublicJWK()).toString();
  }

  private static JWTClaimsSet.Builder claims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience("orders")
        .subject("alice")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)));
  }

  private static String sign(JWTClaimsSet claims, RSAKey key) throws JOSEException {
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
    jwt.sign(new RSASSASigner(key));
    return jwt.serialize();
  }

  private HttpResponse<String> call(String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/api/orders"))
            .header("X-User-Id", "mallory")
            .GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return Http.send(request);
  }

  @Test
  void aValidTokenPassesAndItsSubjectReachesTheBackend() throws Exception {
    String token = sign(claims().build(), first);
    HttpResponse<String> response = call(token);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("app");
    // The client's own X-User-Id is dropped: the backend sees the token's subject only.
    assertThat(backend.lastRequestHeaders().get("X-User-Id")).containsExactly("alice");
    assertThat(backend.lastRequestHeaders().containsKey("Authorization")).isFalse();
    // The access log names the subject, never the token.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(Files.exists(accessLog) ? Files.readString(accessLog) : "")
                    .contains("\"jwt_sub\":\"alice\""));
    assertThat(Files.readString(accessLog)).doesNotContain(token);
  }

  @Test
  void refusedTokensGet401WithTheBearerChallenge() throws Exception {
    // The node has its keys (a valid token passes) before the refusals are judged.
    assertThat(call(sign(claims().build(), first)).statusCode()).isEqualTo(200);
    int before = backend.requests();
    Instant now = Instant.now();
    RSAKey impostor = new RSAKeyGenerator(2048).keyID("key-1").generate();
    String[][] cases = {
      {
        sign(
            claims()
                .issueTime(Date.from(now.minusSeconds(900)))
                .expirationTime(Date.from(now.minusSeconds(600)))
                .build(),
            first),
        "token expired"
      },
      {sign(claims().issuer("https://evil.test").build(), first), "issuer not accepted"},
      {sign(claims().audience("billing").build(), first), "audience not accepted"},
      {sign(claims().build(), impostor), "bad signature"},
      {new PlainJWT(claims().build()).serialize(), "unsigned tokens (alg none) are not accepted"},
    };
    for (String[] refused : cases) {
      HttpResponse<String> response = call(refused[0]);
      assertThat(response.statusCode()).as(refused[1]).isEqualTo(401);
      assertThat(response.headers().firstValue("WWW-Authenticate"))
          .hasValue(
              "Bearer realm=\"concierge\", error=\"invalid_token\", error_description=\""
                  + refused[1]
                  + "\"");
      assertThat(response.body()).startsWith("unauthorized: " + refused[1] + "\n");
    }
    HttpResponse<String> missing = call(null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate"))
        .hasValue("Bearer realm=\"concierge\"");
    assertThat(backend.requests()).as("refused requests never reach the backend").isEqualTo(before);
  }

  @Test
  void theNodeFollowsRotatedKeysWithinItsCacheTime() throws Exception {
    String old = sign(claims().build(), first);
    assertThat(call(old).statusCode()).isEqualTo(200);

    RSAKey second = new RSAKeyGenerator(2048).keyID("key-2").generate();
    jwks.set(publicSet(second)); // new kid, the old key removed
    String rotated = sign(claims().build(), second);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(call(rotated).statusCode()).isEqualTo(200));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(call(old).statusCode()).isEqualTo(401));
    assertThat(backend.lastRequestHeaders().get("X-User-Id")).containsExactly("alice");
    assertThat(jwksFetches.get()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aLimitKeyedByAClaimGivesEachSubjectItsOwnBucket() throws Exception {
    fleet
        .api()
        .createPolicy(
            CreatePolicyRequest.newBuilder()
                .setPolicyId("per-user")
                .setPolicy(
                    Policy.newBuilder()
                        .setRateLimit(
                            RateLimit.newBuilder()
                                .setRequests(2)
                                .setUnit(RateLimit.Unit.MINUTE)
                                .setKey(RateLimit.Key.CLAIM)
                                .setClaim("sub")))
                .build());
    fleet.createRoute(
        "limited",
        Fleet.routeTo("/api/orders", "app").toBuilder()
            .addPolicies("policies/api-jwt")
            .addPolicies("policies/per-user")
            .build());
    fleet.awaitSynced();
    String alice = sign(claims().build(), first);
    String bob = sign(claims().subject("bob").build(), first);

    // One client address: only the token's subject tells the buckets apart.
    assertThat(call(alice).statusCode()).isEqualTo(200);
    assertThat(call(alice).statusCode()).isEqualTo(200);
    HttpResponse<String> third = call(alice);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    assertThat(call(bob).statusCode()).isEqualTo(200);
    assertThat(call(bob).statusCode()).isEqualTo(200);
    assertThat(call(bob).statusCode()).isEqualTo(429);
  }
}
