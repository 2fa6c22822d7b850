package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.QueryParameterMatch;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.TimeWindow;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteShadowingTest {
  @Test
  void aNewRouteThatSortsFirstWithTheSameMatchHidesTheOldOne() {
    Route old = route("routes/web", RouteMatch.newBuilder().setPathPrefix("/api"));
    Route written = route("routes/api", RouteMatch.newBuilder().setPathPrefix("/api"));

    assertThat(RouteShadowing.warnings(written, List.of(old, written)))
        .containsExactly(
            "routes/web can no longer match: routes/api takes every request it would (same hosts,"
                + " path and methods, and its name sorts first)");
  }

  @Test
  void aNewRouteThatSortsLaterIsTheOneThatCanNeverMatch() {
    Route old = route("routes/a", RouteMatch.newBuilder().addHosts("x.example").setPathExact("/"));
    Route written =
        route("routes/b", RouteMatch.newBuilder().addHosts("X.example").setPathExact("/"));

    assertThat(RouteShadowing.warnings(written, List.of(old)))
        .singleElement()
        .asString()
        .startsWith("routes/b can never match: routes/a takes");
  }

  @Test
  void headerAndQueryMatchesHideOnlyTheSameOnes() {
    HeaderMatch canary = HeaderMatch.newBuilder().setName("x-canary").setExact("1").build();
    Route plain = route("routes/a", RouteMatch.newBuilder().setPathPrefix("/"));
    Route withHeader =
        route("routes/b", RouteMatch.newBuilder().setPathPrefix("/").addHeaders(canary));
    Route sameHeader =
        route("routes/c", RouteMatch.newBuilder().setPathPrefix("/").addHeaders(canary));
    Route withQuery =
        route(
            "routes/d",
            RouteMatch.newBuilder()
                .setPathPrefix("/")
                .addHeaders(canary)
                .addQueryParameters(QueryParameterMatch.newBuilder().setName("debug")));

    // A route with a header match is tried before the plain one, whatever their names.
    assertThat(RouteShadowing.warnings(withHeader, List.of(plain))).isEmpty();
    assertThat(RouteShadowing.warnings(withQuery, List.of(withHeader))).isEmpty();
    assertThat(RouteShadowing.warnings(sameHeader, List.of(withHeader)))
        .singleElement()
        .asString()
        .startsWith("routes/c can never match: routes/b takes");
  }

  @Test
  void priorityDecidesBeforeTheName() {
    Route high =
        route("routes/z", RouteMatch.newBuilder().setPathPrefix("/api")).toBuilder()
            .setPriority(3)
            .build();
    Route low = route("routes/a", RouteMatch.newBuilder().setPathPrefix("/api"));

    assertThat(RouteShadowing.warnings(high, List.of(low)))
        .containsExactly(
            "routes/a can no longer match: routes/z takes every request it would (same hosts,"
                + " path and methods, and its priority is higher)");
  }

  @Test
  void routesWithClientTestsOrTheSameRegexAreJudgedConservatively() {
    Route plain = route("routes/a", RouteMatch.newBuilder().setPathPrefix("/"));
    Route regex = route("routes/b", RouteMatch.newBuilder().setPathRegex("/x/.*"));
    Route sameRegex = route("routes/c", RouteMatch.newBuilder().setPathRegex("/x/.*"));
    Route otherRegex = route("routes/d", RouteMatch.newBuilder().setPathRegex("/y/.*"));
    assertThat(RouteShadowing.warnings(regex, List.of(plain, otherRegex))).isEmpty();
    assertThat(RouteShadowing.warnings(sameRegex, List.of(regex))).hasSize(1);

    for (RouteMatch.Builder client :
        List.of(
            RouteMatch.newBuilder().setPathPrefix("/").addSourceCidrs("10.0.0.0/8"),
            RouteMatch.newBuilder().setPathPrefix("/").addDevices(DeviceClass.MOBILE),
            RouteMatch.newBuilder().setPathPrefix("/").addCountries("FR"),
            RouteMatch.newBuilder()
                .setPathPrefix("/")
                .addTimeWindows(TimeWindow.newBuilder().setStart("09:00")))) {
      Route same = route("routes/z", client.clone());
      assertThat(RouteShadowing.warnings(route("routes/y", client.clone()), List.of(same)))
          .isEmpty();
    }
  }

  @Test
  void partialOverlapIsNoWarning() {
    Route any = route("routes/a", RouteMatch.newBuilder().setPathPrefix("/"));
    List<Route> others =
        List.of(
            route("routes/b", RouteMatch.newBuilder().setPathPrefix("/api")),
            route("routes/c", RouteMatch.newBuilder().addHosts("x.example").setPathPrefix("/")),
            route("routes/d", RouteMatch.newBuilder().setPathPrefix("/").addMethods("GET")),
            route(
                "routes/e",
                RouteMatch.newBuilder()
                    .setPathPrefix("/")
                    .setPrefixMode(RouteMatch.PrefixMode.STRING)),
            route("routes/f", RouteMatch.newBuilder().setPathExact("/")));

    assertThat(RouteShadowing.warnings(any, others)).isEmpty();
  }

  @Test
  void methodsHideOnlyASubsetOfThemselves() {
    Route getHead =
        route(
            "routes/a",
            RouteMatch.newBuilder().setPathPrefix("/").addMethods("GET").addMethods("HEAD"));
    Route get = route("routes/b", RouteMatch.newBuilder().setPathPrefix("/").addMethods("GET"));
    Route post = route("routes/c", RouteMatch.newBuilder().setPathPrefix("/").addMethods("POST"));

    assertThat(RouteShadowing.hides(getHead, get)).isTrue();
    assertThat(RouteShadowing.hides(getHead, post)).isFalse();
  }

  @Test
  void moreHostsHideARouteWithFewer() {
    Route both =
        route("routes/a", RouteMatch.newBuilder().addHosts("x.example").addHosts("y.example"));
    Route one = route("routes/b", RouteMatch.newBuilder().addHosts("y.example"));

    assertThat(RouteShadowing.hides(both, one)).isTrue();
    assertThat(RouteShadowing.hides(one, both)).isFalse();
  }

  private static Route route(String name, RouteMatch.Builder match) {
    return Route.newBuilder().setName(name).setMatch(match).build();
  }
}
