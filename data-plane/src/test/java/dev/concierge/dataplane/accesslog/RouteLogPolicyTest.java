package dev.concierge.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.AccessLogPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.chain.PolicySet;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RouteLogPolicyTest {
  private final RouteLogPolicyCompiler compiler = new RouteLogPolicyCompiler();

  /** A generator whose doubles are the given ones, in turn. */
  private static RandomGenerator doubles(double... values) {
    return new RandomGenerator() {
      private int next;

      @Override
      public long nextLong() {
        throw new UnsupportedOperationException();
      }

      @Override
      public double nextDouble() {
        return values[next++ % values.length];
      }
    };
  }

  @Test
  void aRouteWithoutAPolicyLogsEveryRequest() {
    assertThat(compiler.compile(Route.getDefaultInstance())).isNull();
    RouteLogPolicy none = PolicySet.empty().get(RouteLogPolicy.KEY);
    assertThat(none.logs(() -> doubles(0.99))).isTrue();
    assertThat(none.secretQueryParams()).isEmpty();
  }

  @Test
  void aDisabledRouteLogsNothingAndDrawsNothing() {
    RouteLogPolicy off =
        compiler.compile(
            Route.newBuilder()
                .setAccessLog(AccessLogPolicy.newBuilder().setDisabled(true))
                .build());

    assertThat(off.disabled()).isTrue();
    assertThat(off.logs(() -> doubles())).isFalse();
  }

  @Test
  void samplesTheShareGivenWithTheRandomSource() {
    RouteLogPolicy sampled =
        compiler.compile(
            Route.newBuilder()
                .setAccessLog(
                    AccessLogPolicy.newBuilder().setSampleRatio(0.25).addSecretQueryParams("token"))
                .build());
    RandomGenerator draws = doubles(0.1, 0.24, 0.25, 0.9);

    assertThat(sampled.logs(() -> draws)).isTrue();
    assertThat(sampled.logs(() -> draws)).isTrue();
    assertThat(sampled.logs(() -> draws)).isFalse();
    assertThat(sampled.logs(() -> draws)).isFalse();
    assertThat(sampled.secretQueryParams()).containsExactly("token");
  }

  @Test
  void logsAboutTheRatioOverManyDraws() {
    RouteLogPolicy sampled = RouteLogPolicy.of(0.1, java.util.Set.of());
    Random seeded = new Random(17);
    int logged = 0;
    for (int i = 0; i < 10_000; i++) {
      if (sampled.logs(() -> seeded)) {
        logged++;
      }
    }
    assertThat(logged).isBetween(900, 1100);
  }
}
