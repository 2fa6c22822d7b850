package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.concierge.dataplane.chain.Meter;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.junit.jupiter.api.Test;

class StickySplitTest {
  private static final CompiledCluster BLUE = cluster("clusters/blue");
  private static final CompiledCluster GREEN = cluster("clusters/green");
  private static final SplitStickiness COOKIE =
      SplitStickiness.cookie("ab", Duration.ofHours(1), "", "routes/shop");

  private static CompiledCluster cluster(String name) {
    Endpoint e = new Endpoint("127.0.0.1", 80, 1, 0);
    return new CompiledCluster(
        name, List.of(e), RoundRobinBalancer.of(List.of(e)), Duration.ofSeconds(5), Meter.none());
  }

  private static ClusterSplit split(int blue, int green, SplitStickiness stickiness) {
    return ClusterSplit.of(
        List.of(new ClusterSplit.Share(BLUE, blue), new ClusterSplit.Share(GREEN, green)),
        stickiness);
  }

  /** A generator whose bounded draws all answer {@code value}. */
  private static RandomGenerator always(long value) {
    return new RandomGenerator() {
      @Override
      public long nextLong() {
        return value;
      }

      @Override
      public long nextLong(long bound) {
        return value;
      }
    };
  }

  private static HttpFields cookies(String line) {
    return HttpFields.build().add(HttpHeader.COOKIE, line);
  }

  private static String token(ClusterSplit.Placement placement) {
    String value = placement.setCookie().getValue();
    return value.substring("ab=".length(), value.indexOf(';'));
  }

  @Test
  void setsAnOpaqueCookieWhenTheClientHasNone() {
    ClusterSplit split = split(90, 10, COOKIE);
    ClusterSplit.Placement placed = split.place(HttpFields.EMPTY, false, always(95));
    assertThat(placed.cluster()).isSameAs(GREEN);
    assertThat(placed.setCookie().getHeader()).isEqualTo(HttpHeader.SET_COOKIE);
    assertThat(placed.setCookie().getValue())
        .matches("ab=[0-9a-f]{16}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax")
        .doesNotContain("green");
    assertThat(split.place(HttpFields.EMPTY, true, always(95)).setCookie().getValue())
        .endsWith("; Secure");
    // Computed once: the same field for every placement on the cluster.
    assertThat(split.place(HttpFields.EMPTY, false, always(99)).setCookie())
        .isSameAs(placed.setCookie());
  }

  @Test
  void honoursAValidCookieWithoutSettingItAgain() {
    ClusterSplit split = split(90, 10, COOKIE);
    String green = token(split.place(HttpFields.EMPTY, false, always(95)));
    for (long draw : new long[] {0, 50, 89}) { // draws that would pick blue
      ClusterSplit.Placement kept =
          split.place(cookies("x=1; ab=" + green + "; y=2"), false, always(draw));
      assertThat(kept.cluster()).isSameAs(GREEN);
      assertThat(kept.setCookie()).isNull();
    }
    HttpFields twoLines =
        HttpFields.build().add(HttpHeader.COOKIE, "x=1").add(HttpHeader.COOKIE, "ab=" + green);
    assertThat(split.place(twoLines, false, always(0)).cluster()).isSameAs(GREEN);
  }

  @Test
  void placesAnewWhenTheCookieIsUnknownOrItsClusterDrained() {
    ClusterSplit before = split(90, 10, COOKIE);
    String green = token(before.place(HttpFields.EMPTY, false, always(95)));
    ClusterSplit.Placement forged = before.place(cookies("ab=0123456789abcdef"), false, always(5));
    assertThat(forged.cluster()).isSameAs(BLUE);
    assertThat(forged.setCookie()).isNotNull();

    ClusterSplit flipped = split(100, 0, COOKIE); // blue/green flip back to blue
    ClusterSplit.Placement moved = flipped.place(cookies("ab=" + green), false, always(0));
    assertThat(moved.cluster()).isSameAs(BLUE);
    assertThat(token(moved)).isNotEqualTo(green).isEqualTo(token(forged));
    assertThat(flipped.clusters()).containsExactly(BLUE);
  }

  @Test
  void tokensDependOnRouteAndClusterOnly() {
    String a = token(split(90, 10, COOKIE).place(HttpFields.EMPTY, false, always(0)));
    String b = token(split(1, 1, COOKIE).place(HttpFields.EMPTY, false, always(0)));
    String other =
        token(
            split(90, 10, SplitStickiness.cookie("ab", Duration.ZERO, "/x", "routes/other"))
                .place(HttpFields.EMPTY, false, always(0)));
    assertThat(a).isEqualTo(b).isNotEqualTo(other);
    assertThat(
            split(1, 1, SplitStickiness.cookie("ab", Duration.ZERO, "/x", "routes/other"))
                .place(HttpFields.EMPTY, false, always(0))
                .setCookie()
                .getValue())
        .isEqualTo("ab=" + other + "; Path=/x; HttpOnly; SameSite=Lax");
  }

  @Test
  void headerValueLandsOnOneClusterAndValuesSpreadByWeight() {
    ClusterSplit split = split(90, 10, SplitStickiness.header("x-user-id"));
    SplittableRandom random = new SplittableRandom(7);
    Map<CompiledCluster, Integer> counts = new HashMap<>();
    for (int user = 0; user < 20_000; user++) {
      HttpFields headers = HttpFields.build().add("X-User-Id", "user-" + user);
      ClusterSplit.Placement first = split.place(headers, false, random);
      assertThat(first.setCookie()).isNull();
      for (int again = 0; again < 3; again++) {
        assertThat(split.place(headers, false, random).cluster()).isSameAs(first.cluster());
      }
      counts.merge(first.cluster(), 1, Integer::sum);
    }
    assertThat(counts.get(GREEN) / 20_000.0).isCloseTo(0.10, within(0.01));
  }

  @Test
  void withoutTheHeaderPlacesAtRandomByWeight() {
    ClusterSplit split = split(90, 10, SplitStickiness.header("x-user-id"));
    Set<CompiledCluster> seen = new HashSet<>();
    seen.add(split.place(HttpFields.EMPTY, false, always(10)).cluster());
    seen.add(split.place(HttpFields.EMPTY, false, always(95)).cluster());
    assertThat(seen).containsExactlyInAnyOrder(BLUE, GREEN);
  }
}
