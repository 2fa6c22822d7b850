package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Stickiness;
import dev.concierge.api.v1.StickyCookie;
import dev.concierge.api.v1.WeightedCluster;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StickinessRulesTest {
  private static List<String> violations(ForwardAction.Builder forward) {
    List<String> found = new ArrayList<>();
    StickinessRules.check(forward.build(), "route.forward", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static ForwardAction.Builder split(int... weights) {
    ForwardAction.Builder forward = ForwardAction.newBuilder();
    for (int i = 0; i < weights.length; i++) {
      forward.addClusters(
          WeightedCluster.newBuilder().setCluster("clusters/c" + i).setWeight(weights[i]));
    }
    return forward;
  }

  private static Stickiness cookie(StickyCookie.Builder cookie) {
    return Stickiness.newBuilder().setCookie(cookie).build();
  }

  @Test
  void acceptsCookieAndHeaderStickinessOnASplit() {
    assertThat(
            violations(
                split(90, 10)
                    .setStickiness(
                        cookie(
                            StickyCookie.newBuilder()
                                .setName("ab")
                                .setTtl(Durations.fromHours(1))
                                .setPath("/shop")))))
        .isEmpty();
    assertThat(
            violations(
                split(0, 100).setStickiness(cookie(StickyCookie.newBuilder().setName("ab")))))
        .isEmpty();
    assertThat(
            violations(split(1, 1).setStickiness(Stickiness.newBuilder().setHeader("x-user-id"))))
        .isEmpty();
  }

  @Test
  void unsetWeightMeansOneAndZeroDrains() {
    assertThat(StickinessRules.weight(WeightedCluster.getDefaultInstance())).isEqualTo(1);
    assertThat(StickinessRules.weight(WeightedCluster.newBuilder().setWeight(0).build())).isZero();
    assertThat(violations(split(0, 0)))
        .containsExactly(
            "route.forward.clusters: every cluster has weight 0: at least one must be above 0 to"
                + " take requests");
    assertThat(violations(split(1001, 1)))
        .containsExactly(
            "route.forward.clusters[0].weight: must be at most 1000 (unset means 1, 0 drains),"
                + " not 1001");
  }

  @Test
  void namesEachBrokenStickinessField() {
    assertThat(violations(split(1).setStickiness(Stickiness.newBuilder().setHeader("x-user"))))
        .containsExactly(
            "route.forward.stickiness: needs a split of at least two clusters: one cluster has"
                + " nowhere else to go");
    assertThat(violations(split(1, 1).setStickiness(Stickiness.getDefaultInstance())))
        .containsExactly("route.forward.stickiness: set cookie or header");
    assertThat(violations(split(1, 1).setStickiness(Stickiness.newBuilder().setHeader("x user"))))
        .hasSize(1)
        .allMatch(v -> v.startsWith("route.forward.stickiness.header: "));
    assertThat(
            violations(
                split(1, 1)
                    .setStickiness(
                        cookie(
                            StickyCookie.newBuilder()
                                .setName("a=b")
                                .setTtl(Durations.fromMillis(1500))
                                .setPath("shop")))))
        .containsExactly(
            "route.forward.stickiness.cookie.name: \"a=b\" is not a cookie name (letters, digits"
                + " and !#$%&'*+-.^_`|~ only)",
            "route.forward.stickiness.cookie.ttl: must be whole seconds from 0 (a session cookie)"
                + " to 31622400s",
            "route.forward.stickiness.cookie.path: must start with \"/\"");
    assertThat(
            violations(
                split(1, 1)
                    .setStickiness(
                        cookie(
                            StickyCookie.newBuilder()
                                .setTtl(Durations.fromDays(367))
                                .setPath("/a;b")))))
        .containsExactly(
            "route.forward.stickiness.cookie.name: must not be empty",
            "route.forward.stickiness.cookie.ttl: must be whole seconds from 0 (a session cookie)"
                + " to 31622400s",
            "route.forward.stickiness.cookie.path: must be printable ASCII without spaces or"
                + " \";\"");
  }
}
