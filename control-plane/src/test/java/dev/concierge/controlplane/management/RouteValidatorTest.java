package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteValidatorTest {
  private static final Set<String> CLUSTERS = Set.of("clusters/a", "clusters/b");

  private static Route.Builder valid() {
    return Route.newBuilder()
        .setName("routes/r")
        .setMatch(
            RouteMatch.newBuilder()
                .addHosts("api.example.com")
                .addHosts("*.example.org")
                .setPathPrefix("/v1/"))
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster("clusters/a").setWeight(1000))
                .addClusters(WeightedCluster.newBuilder().setCluster("clusters/b"))
                .setTimeout(Duration.newBuilder().setSeconds(3600)));
  }

  private static FieldViolations check(Route route) {
    FieldViolations violations = new FieldViolations();
    RouteValidator.validate(route, "route", CLUSTERS::contains, violations);
    return violations;
  }

  private static List<String> fields(Route route) {
    return check(route).list().stream().map(BadRequest.FieldViolation::getField).toList();
  }

  @Test
  void acceptsValidRoute() {
    assertThat(fields(valid().build())).isEmpty();
    assertThat(fields(valid().clearMatch().build())).isEmpty();
  }

  @Test
  void requiresAnAction() {
    assertThat(fields(valid().clearForward().build())).containsExactly("route.forward");
  }

  @Test
  void requiresAClusterToForwardTo() {
    assertThat(fields(valid().setForward(ForwardAction.getDefaultInstance()).build()))
        .containsExactly("route.forward.clusters");
  }

  @Test
  void rejectsMissingCluster() {
    Route route =
        valid()
            .setForward(
                ForwardAction.newBuilder()
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/nope")))
            .build();
    assertThat(check(route).list())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getField()).isEqualTo("route.forward.clusters[0].cluster");
              assertThat(v.getDescription()).isEqualTo("cluster \"clusters/nope\" does not exist");
            });
  }

  @Test
  void rejectsBadPaths() {
    assertThat(fields(valid().setMatch(RouteMatch.newBuilder().setPathPrefix("v1")).build()))
        .containsExactly("route.match.path_prefix");
    assertThat(fields(valid().setMatch(RouteMatch.newBuilder().setPathExact("/a b")).build()))
        .containsExactly("route.match.path_exact");
    assertThat(fields(valid().setMatch(RouteMatch.newBuilder().setPathExact("/a\u0001")).build()))
        .containsExactly("route.match.path_exact");
  }

  @Test
  void lowercasesHosts() {
    Route route =
        RouteValidator.normalize(
            valid().setMatch(RouteMatch.newBuilder().addHosts("API.Example.COM")).build());
    assertThat(route.getMatch().getHostsList()).containsExactly("api.example.com");
  }

  @Test
  void reportsEveryViolationAtOnce() {
    Route route =
        Route.newBuilder()
            .setName("routes/r")
            .setDescription("x".repeat(300))
            .setMatch(
                RouteMatch.newBuilder()
                    .addHosts("a.test")
                    .addHosts("*.")
                    .addHosts("a*.b.test")
                    .addHosts("A.test")
                    .setPathPrefix("nope"))
            .setForward(
                ForwardAction.newBuilder()
                    .addClusters(
                        WeightedCluster.newBuilder().setCluster("clusters/a").setWeight(1001))
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/a"))
                    .addClusters(WeightedCluster.newBuilder().setCluster("web"))
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/gone"))
                    .setTimeout(Duration.newBuilder().setSeconds(3601)))
            .build();
    assertThat(fields(route))
        .containsExactly(
            "route.description",
            "route.match.hosts[1]",
            "route.match.hosts[2]",
            "route.match.hosts[3]",
            "route.match.path_prefix",
            "route.forward.clusters[0].weight",
            "route.forward.clusters[1].cluster",
            "route.forward.clusters[2].cluster",
            "route.forward.clusters[3].cluster",
            "route.forward.timeout");
    assertThat(check(route).toException("route", "routes/r").getStatus().getDescription())
        .startsWith(
            "invalid route \"routes/r\": route.description: must be at most 256 characters; ")
        .endsWith("(and 7 more)");
  }
}
