package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.RequestBodyPolicy;
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

  private static Route.Builder withMatch(RouteMatch.Builder match) {
    return valid().setMatch(match);
  }

  private static List<String> violations(Route route) {
    return check(route).list().stream().map(v -> v.getField() + ": " + v.getDescription()).toList();
  }

  /** A valid route that sets every field added with methods and body policies, at its limits. */
  private static Route.Builder everyNewField() {
    return withMatch(
            RouteMatch.newBuilder()
                .addMethods("GET")
                .addMethods("PURGE")
                .setPathPrefix("/v1")
                .setPrefixMode(RouteMatch.PrefixMode.STRING))
        .setForward(
            valid().getForward().toBuilder()
                .setPathForwarding(ForwardAction.PathForwarding.RAW)
                .setMaxAttempts(5))
        .setRequestBody(
            RequestBodyPolicy.newBuilder()
                .setMode(RequestBodyPolicy.Mode.STREAM)
                .setMaxBytes(dev.concierge.api.rules.RouteRules.MAX_BODY_BYTES));
  }

  @Test
  void acceptsEveryNewFieldAtItsLimits() {
    assertThat(violations(everyNewField().build())).isEmpty();
    assertThat(
            fields(
                withMatch(
                        RouteMatch.newBuilder()
                            .setPathPrefix("/")
                            .setPrefixMode(RouteMatch.PrefixMode.SEGMENTS))
                    .build()))
        .isEmpty();
  }

  @Test
  void rejectsBadAndDuplicateMethods() {
    Route route =
        withMatch(
                RouteMatch.newBuilder()
                    .addMethods("GET")
                    .addMethods("get")
                    .addMethods("G T")
                    .addMethods("")
                    .addMethods("CONNECT")
                    .addMethods("GET"))
            .build();
    assertThat(violations(route))
        .containsExactly(
            "route.match.methods[1]: methods are case-sensitive and written in upper case:"
                + " \"get\" would never match; did you mean \"GET\"?",
            "route.match.methods[2]: \"G T\" is not an HTTP method name (letters, digits and"
                + " !#$%&'*+-.^_`|~ only)",
            "route.match.methods[3]: must not be empty",
            "route.match.methods[4]: CONNECT is answered 405 by every node and cannot be routed",
            "route.match.methods[5]: duplicates methods[0]");
  }

  @Test
  void rejectsPrefixModeWithoutPathPrefix() {
    assertThat(
            violations(
                withMatch(
                        RouteMatch.newBuilder()
                            .setPathExact("/a")
                            .setPrefixMode(RouteMatch.PrefixMode.STRING))
                    .build()))
        .containsExactly("route.match.prefix_mode: only applies to path_prefix");
    assertThat(
            fields(
                withMatch(RouteMatch.newBuilder().setPrefixMode(RouteMatch.PrefixMode.SEGMENTS))
                    .build()))
        .containsExactly("route.match.prefix_mode");
    // Unset is the default and fits any path.
    assertThat(fields(withMatch(RouteMatch.newBuilder().setPathExact("/a")).build())).isEmpty();
  }

  @Test
  void rejectsUnknownEnumValues() {
    Route route =
        withMatch(RouteMatch.newBuilder().setPathPrefix("/").setPrefixModeValue(7))
            .setForward(valid().getForward().toBuilder().setPathForwardingValue(9))
            .setRequestBody(RequestBodyPolicy.newBuilder().setModeValue(3))
            .build();
    assertThat(violations(route))
        .containsExactly(
            "route.match.prefix_mode: unknown value 7"
                + " (one of PREFIX_MODE_UNSPECIFIED, SEGMENTS, STRING)",
            "route.forward.path_forwarding: unknown value 9"
                + " (one of PATH_FORWARDING_UNSPECIFIED, NORMALIZED, RAW)",
            "route.request_body.mode: unknown value 3 (one of MODE_UNSPECIFIED, BUFFER, STREAM)");
    // An unknown mode without a path_prefix is named once, for being unknown.
    assertThat(fields(withMatch(RouteMatch.newBuilder().setPrefixModeValue(-1)).build()))
        .containsExactly("route.match.prefix_mode");
  }

  @Test
  void rejectsMoreThanFiveAttempts() {
    assertThat(
            violations(
                valid().setForward(valid().getForward().toBuilder().setMaxAttempts(6)).build()))
        .containsExactly("route.forward.max_attempts: must be at most 5 (0 means 2), not 6");
    // uint32: -1 is 4294967295 on the wire.
    assertThat(
            fields(valid().setForward(valid().getForward().toBuilder().setMaxAttempts(-1)).build()))
        .containsExactly("route.forward.max_attempts");
  }

  @Test
  void rejectsBodyLimitsAboveOneTebibyte() {
    assertThat(
            violations(
                valid()
                    .setRequestBody(
                        RequestBodyPolicy.newBuilder()
                            .setMaxBytes(dev.concierge.api.rules.RouteRules.MAX_BODY_BYTES + 1))
                    .build()))
        .containsExactly(
            "route.request_body.max_bytes: must be at most 1 TiB (1099511627776 bytes), not"
                + " 1099511627777");
    assertThat(
            fields(valid().setRequestBody(RequestBodyPolicy.newBuilder().setMaxBytes(-1)).build()))
        .containsExactly("route.request_body.max_bytes");
  }

  @Test
  void usesTheGivenPrefixForNewFields() {
    FieldViolations violations = new FieldViolations();
    Route route =
        withMatch(RouteMatch.newBuilder().addMethods("get").setPrefixModeValue(1))
            .setForward(valid().getForward().toBuilder().setMaxAttempts(9))
            .setRequestBody(RequestBodyPolicy.newBuilder().setModeValue(5))
            .build();
    RouteValidator.validate(route, "routes[2]", CLUSTERS::contains, violations);
    assertThat(violations.list())
        .extracting(BadRequest.FieldViolation::getField)
        .containsExactly(
            "routes[2].match.methods[0]",
            "routes[2].match.prefix_mode",
            "routes[2].forward.max_attempts",
            "routes[2].request_body.mode");
  }

  @Test
  void normalizeKeepsTheNewFields() {
    Route.Builder b = everyNewField();
    b.getMatchBuilder().addHosts("A.test");
    Route route = b.build();
    Route normalized = RouteValidator.normalize(route);
    assertThat(normalized.getMatch().getHostsList()).containsExactly("a.test");
    assertThat(normalized.toBuilder().setMatch(route.getMatch()).build()).isEqualTo(route);
    assertThat(normalized.getMatch().toBuilder().setHosts(0, "A.test").build())
        .isEqualTo(route.getMatch());
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
            "route.forward.clusters[1].cluster",
            "route.forward.clusters[2].cluster",
            "route.forward.clusters[3].cluster",
            "route.forward.clusters[0].weight",
            "route.forward.timeout");
    assertThat(check(route).toException("route", "routes/r").getStatus().getDescription())
        .startsWith(
            "invalid route \"routes/r\": route.description: must be at most 256 characters; ")
        .endsWith("(and 7 more)");
  }
}
