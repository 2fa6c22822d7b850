package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.JwtAuth;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class JwtAuthRulesTest {
  // A 2048-bit modulus (the value is arbitrary: only its length is checked here).
  private static final String N =
      Base64.getUrlEncoder().withoutPadding().encodeToString(filled(256, (byte) 0xc1));
  private static final String RSA =
      "{\"kty\":\"RSA\",\"kid\":\"r1\",\"n\":\"" + N + "\",\"e\":\"AQAB\"}";
  private static final String SECRET =
      Base64.getUrlEncoder().withoutPadding().encodeToString(filled(32, (byte) 7));

  private static byte[] filled(int length, byte value) {
    byte[] bytes = new byte[length];
    java.util.Arrays.fill(bytes, value);
    return bytes;
  }

  private static List<String> violations(JwtAuth.Builder jwt) {
    List<String> found = new ArrayList<>();
    PolicyRules.check(
        Policy.newBuilder().setName("policies/api").setJwtAuth(jwt).build(),
        "policy",
        (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static JwtAuth.Builder valid() {
    return JwtAuth.newBuilder()
        .addIssuers("https://issuer.example")
        .setJwksUri("https://issuer.example/jwks.json");
  }

  @Test
  void acceptsEveryOption() {
    assertThat(
            violations(
                valid()
                    .addAudiences("api")
                    .setLeeway(Durations.fromSeconds(0))
                    .addAlgorithms(JwtAuth.Algorithm.RS256)
                    .addAlgorithms(JwtAuth.Algorithm.HS256)
                    .setJwksCacheDuration(Durations.fromSeconds(1))
                    .setJwks("{\"keys\":[" + RSA + "]}")
                    .setSecretJwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + SECRET + "\"}]}")
                    .setTokenSource(
                        JwtAuth.TokenSource.newBuilder()
                            .setKind(JwtAuth.TokenSource.Kind.COOKIE)
                            .setName("session"))
                    .putClaimsToHeaders("sub", "X-User-Id")
                    .addRequiredClaims("email")
                    .setRealm("api")))
        .isEmpty();
  }

  @Test
  void needsAnIssuerAndAKeySource() {
    assertThat(violations(JwtAuth.newBuilder()))
        .containsExactly(
            "policy.jwt_auth.issuers: at least one accepted issuer (\"iss\") is required",
            "policy.jwt_auth.jwks_uri: give jwks_uri, jwks or secret_jwks: where the keys are");
  }

  @Test
  void namesEveryBadFieldWithoutQuotingASecret() {
    String shortSecret =
        Base64.getUrlEncoder().withoutPadding().encodeToString(filled(16, (byte) 9));
    List<String> found =
        violations(
            valid()
                .setJwksUri("ftp://issuer.example/jwks")
                .setLeeway(Durations.fromSeconds(601))
                .setJwksCacheDuration(Durations.fromMillis(500))
                .setJwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + SECRET + "\"}]}")
                .setSecretJwks("{\"keys\":[{\"kty\":\"oct\",\"k\":\"" + shortSecret + "\"}]}")
                .setTokenSource(
                    JwtAuth.TokenSource.newBuilder().setKind(JwtAuth.TokenSource.Kind.QUERY))
                .putClaimsToHeaders("sub", "Authorization")
                .putClaimsToHeaders("email", "bad header"));
    assertThat(found)
        .extracting(v -> v.substring(0, v.indexOf(": ")))
        .containsExactly(
            "policy.jwt_auth.leeway",
            "policy.jwt_auth.jwks_uri",
            "policy.jwt_auth.jwks_cache_duration",
            "policy.jwt_auth.jwks.keys[0].kty",
            "policy.jwt_auth.secret_jwks.keys[0].k",
            "policy.jwt_auth.secret_jwks",
            "policy.jwt_auth.token_source.name",
            "policy.jwt_auth.claims_to_headers[\"email\"]",
            "policy.jwt_auth.claims_to_headers[\"sub\"]");
    assertThat(String.join("\n", found)).doesNotContain(SECRET).doesNotContain(shortSecret);
  }

  @Test
  void refusesWeakOrPrivateOrUnparsableKeys() {
    String small =
        "{\"kty\":\"RSA\",\"n\":\""
            + Base64.getUrlEncoder().withoutPadding().encodeToString(filled(128, (byte) 0xc1))
            + "\",\"e\":\"AQAB\"}";
    String privateKey = RSA.replace("}", ",\"d\":\"AQAB\"}");
    assertThat(violations(valid().setJwks("{\"keys\":[" + small + "," + privateKey + "]}")))
        .containsExactly(
            "policy.jwt_auth.jwks.keys[0].n: RSA keys must have at least 2048 bits",
            "policy.jwt_auth.jwks.keys[1].d: is a private key: give the public key only");
    assertThat(violations(valid().setJwks("not json")))
        .containsExactly(
            "policy.jwt_auth.jwks: is not a JWK Set: a JSON object with a \"keys\" array");
  }

  @Test
  void fingerprintsSecretKeysWithoutShowingThem() {
    List<String> shown =
        JwtAuthRules.keyFingerprints(
            "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"h1\",\"k\":\"" + SECRET + "\"}]}");
    assertThat(shown).singleElement().asString().matches("h1 sha256:[0-9a-f]{8}");
    assertThat(shown.get(0)).doesNotContain(SECRET);
  }

  @Test
  void aRouteNamesAtMostOneJwtPolicyAndOneIsTheFleetDefault() {
    Policy a =
        Policy.newBuilder().setName("policies/a").setFleetDefault(true).setJwtAuth(valid()).build();
    Policy b = a.toBuilder().setName("policies/b").build();
    Policy c = a.toBuilder().setName("policies/c").setFleetDefault(false).build();
    List<String> found = new ArrayList<>();
    JwtAuthRules.checkSnapshot(
        ConfigSnapshot.newBuilder()
            .addPolicies(a)
            .addPolicies(b)
            .addPolicies(c)
            .addRoutes(
                Route.newBuilder()
                    .setName("routes/web")
                    .addPolicies("policies/b")
                    .addPolicies("policies/c"))
            .build(),
        (f, why) -> found.add(f + ": " + why));
    assertThat(found)
        .containsExactly(
            "policies/b.fleet_default: at most one JWT policy is a fleet default; policies/a"
                + " already is",
            "routes/web.policies[1]: a route uses at most one JWT policy; it already names"
                + " policies/b");
  }
}
