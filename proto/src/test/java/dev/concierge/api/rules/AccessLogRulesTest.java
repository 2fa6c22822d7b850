package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.AccessLogPolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessLogRulesTest {
  private static List<String> violations(AccessLogPolicy.Builder log) {
    List<String> found = new ArrayList<>();
    AccessLogRules.check(log.build(), "route.access_log", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  @Test
  void acceptsOffSampledAndSecretParameters() {
    assertThat(violations(AccessLogPolicy.newBuilder())).isEmpty();
    assertThat(violations(AccessLogPolicy.newBuilder().setDisabled(true))).isEmpty();
    assertThat(
            violations(
                AccessLogPolicy.newBuilder()
                    .setSampleRatio(1)
                    .addSecretQueryParams("token")
                    .addSecretQueryParams("api-key")))
        .isEmpty();
    assertThat(violations(AccessLogPolicy.newBuilder().setSampleRatio(0.001))).isEmpty();
  }

  @Test
  void refusesRatiosOutsideZeroToOneAndARatioOfADisabledLog() {
    for (double bad : new double[] {-0.1, 1.5, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThat(violations(AccessLogPolicy.newBuilder().setSampleRatio(bad)))
          .as("%s", bad)
          .containsExactly(
              "route.access_log.sample_ratio: must be more than 0 and at most 1 (0: every"
                  + " request)");
    }
    assertThat(violations(AccessLogPolicy.newBuilder().setDisabled(true).setSampleRatio(0.5)))
        .containsExactly("route.access_log.sample_ratio: does not apply to a disabled access log");
  }

  @Test
  void refusesEmptyOddAndRepeatedParameterNames() {
    assertThat(
            violations(
                AccessLogPolicy.newBuilder()
                    .addSecretQueryParams("")
                    .addSecretQueryParams("a b")
                    .addSecretQueryParams("a=b")
                    .addSecretQueryParams("token")
                    .addSecretQueryParams("token")
                    .addSecretQueryParams("x".repeat(257))))
        .containsExactly(
            "route.access_log.secret_query_params[0]: must be 1-256 characters",
            "route.access_log.secret_query_params[1]: must be printable characters without"
                + " spaces, '&' or '='",
            "route.access_log.secret_query_params[2]: must be printable characters without"
                + " spaces, '&' or '='",
            "route.access_log.secret_query_params[4]: \"token\" is named twice",
            "route.access_log.secret_query_params[5]: must be 1-256 characters");
    AccessLogPolicy.Builder many = AccessLogPolicy.newBuilder();
    for (int i = 0; i <= AccessLogRules.MAX_SECRET_PARAMS; i++) {
      many.addSecretQueryParams("p" + i);
    }
    assertThat(violations(many))
        .containsExactly("route.access_log.secret_query_params: at most 64 names");
  }
}
