package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorsRulesTest {
  private static List<String> violations(Cors.Builder cors) {
    List<String> found = new ArrayList<>();
    PolicyRules.check(
        Policy.newBuilder().setName("policies/web").setCors(cors).build(),
        "policy",
        (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static Policy cors(String id, boolean fleetDefault) {
    return Policy.newBuilder()
        .setName("policies/" + id)
        .setFleetDefault(fleetDefault)
        .setCors(Cors.newBuilder().addAllowOrigins("https://app.example.com"))
        .build();
  }

  private static List<String> snapshotViolations(ConfigSnapshot snapshot) {
    List<String> found = new ArrayList<>();
    CorsRules.checkSnapshot(snapshot, (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void acceptsExactWildcardAnyAndRegexOriginsWithEveryOption() {
    assertThat(
            violations(
                Cors.newBuilder()
                    .addAllowOrigins("https://app.example.com")
                    .addAllowOrigins("http://localhost:3000")
                    .addAllowOrigins("http://127.0.0.1:8080")
                    .addAllowOrigins("http://[::1]:8080")
                    .addAllowOrigins("https://*.example.com")
                    .addAllowOriginRegexes("https://[a-z]+\\.example\\.org")
                    .addAllowMethods("PUT")
                    .addAllowMethods("DELETE")
                    .addAllowHeaders("Content-Type")
                    .addExposeHeaders("X-Request-Id")
                    .setAllowCredentials(true)
                    .setMaxAgeSeconds(600)))
        .isEmpty();
    assertThat(violations(Cors.newBuilder().addAllowOrigins("*"))).isEmpty();
  }

  @Test
  void refusesAnyOriginWithCredentials() {
    assertThat(violations(Cors.newBuilder().addAllowOrigins("*").setAllowCredentials(true)))
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("policy.cors.allow_origins[0]: \"*\" cannot be used with allow_credentials");
  }

  @Test
  void namesEveryBadFieldWithItsIndex() {
    assertThat(
            violations(
                Cors.newBuilder()
                    .addAllowOrigins("https://ok.example.com")
                    .addAllowOrigins("app.example.com")
                    .addAllowOrigins("https://App.example.com")
                    .addAllowOrigins("https://app.example.com/path")
                    .addAllowOrigins("https://app.example.com:http")
                    .addAllowOriginRegexes("(")
                    .addAllowMethods("put")
                    .addAllowHeaders("Bad Header")
                    .addExposeHeaders("")
                    .setMaxAgeSeconds(86_401)))
        .extracting(v -> v.substring(0, v.indexOf(':')))
        .containsExactly(
            "policy.cors.allow_origins[1]",
            "policy.cors.allow_origins[2]",
            "policy.cors.allow_origins[3]",
            "policy.cors.allow_origins[4]",
            "policy.cors.allow_origin_regexes[0]",
            "policy.cors.allow_methods[0]",
            "policy.cors.allow_headers[0]",
            "policy.cors.expose_headers[0]",
            "policy.cors.max_age_seconds");
  }

  @Test
  void requiresAnOrigin() {
    assertThat(violations(Cors.newBuilder().addAllowMethods("PUT")))
        .containsExactly("policy.cors.allow_origins: give allow_origins or allow_origin_regexes");
  }

  @Test
  void aRouteNamesAtMostOneCorsPolicyAndOneIsTheFleetDefault() {
    ConfigSnapshot snapshot =
        ConfigSnapshot.newBuilder()
            .addPolicies(cors("a", true))
            .addPolicies(cors("b", true))
            .addPolicies(cors("c", false))
            .addRoutes(
                Route.newBuilder()
                    .setName("routes/web")
                    .addPolicies("policies/b")
                    .addPolicies("policies/c"))
            .addRoutes(Route.newBuilder().setName("routes/one").addPolicies("policies/c"))
            .build();
    assertThat(snapshotViolations(snapshot))
        .containsExactly(
            "policies/b.fleet_default: at most one CORS policy is a fleet default;"
                + " policies/a already is",
            "routes/web.policies[1]: a route uses at most one CORS policy; it already names"
                + " policies/b");
  }
}
