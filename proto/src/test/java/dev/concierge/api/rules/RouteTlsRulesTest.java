package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Hsts;
import dev.concierge.api.v1.RouteTls;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteTlsRulesTest {
  private static List<String> violations(RouteTls.Builder tls) {
    List<String> found = new ArrayList<>();
    RouteTlsRules.check(tls.build(), "route.tls", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void acceptsRedirectsAndHstsUpToTwoYears() {
    assertThat(violations(RouteTls.newBuilder().setRedirectToHttps(true))).isEmpty();
    assertThat(
            violations(
                RouteTls.newBuilder()
                    .setRedirectToHttps(true)
                    .setHttpsPort(65_535)
                    .setHsts(
                        Hsts.newBuilder()
                            .setMaxAge(Durations.fromDays(730))
                            .setIncludeSubdomains(true)
                            .setPreload(true))))
        .isEmpty();
  }

  @Test
  void refusesBadPortsAndHstsAges() {
    assertThat(violations(RouteTls.newBuilder().setRedirectToHttps(true).setHttpsPort(70_000)))
        .containsExactly("route.tls.https_port: must be 1-65535 (0: the node's HTTPS port)");
    assertThat(violations(RouteTls.newBuilder().setHttpsPort(8443)))
        .containsExactly("route.tls.https_port: only applies with redirect_to_https");
    assertThat(violations(RouteTls.newBuilder().setHsts(Hsts.newBuilder())))
        .containsExactly(
            "route.tls.hsts.max_age: required: how long browsers keep to HTTPS, e.g. 31536000s");
    assertThat(
            violations(
                RouteTls.newBuilder()
                    .setHsts(Hsts.newBuilder().setMaxAge(Durations.fromMillis(1500)))))
        .containsExactly("route.tls.hsts.max_age: must be whole seconds");
    assertThat(
            violations(
                RouteTls.newBuilder()
                    .setHsts(Hsts.newBuilder().setMaxAge(Durations.fromDays(731)))))
        .singleElement()
        .asString()
        .startsWith("route.tls.hsts.max_age: must be above 0 and at most");
  }

  @Test
  void preloadNeedsSubdomainsAndAYear() {
    assertThat(
            violations(
                RouteTls.newBuilder()
                    .setHsts(Hsts.newBuilder().setMaxAge(Durations.fromDays(30)).setPreload(true))))
        .containsExactly(
            "route.tls.hsts.preload: needs include_subdomains",
            "route.tls.hsts.preload: needs a max_age of at least one year (31536000s)");
  }
}
