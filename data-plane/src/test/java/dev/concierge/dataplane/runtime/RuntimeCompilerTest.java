package dev.concierge.dataplane.runtime;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.util.Durations;
import dev.concierge.api.rules.HostPatterns;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.SlowStart;
import dev.concierge.dataplane.buffering.BufferingPolicy;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.cluster.PriorityBalancer;
import dev.concierge.dataplane.routing.CompiledRoute;
import dev.concierge.dataplane.stats.TrafficStats;
import dev.concierge.dataplane.upstream.ForwardPolicy;
import dev.concierge.dataplane.upstream.RequestRewrite;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RuntimeCompilerTest {
  private final RuntimeCompiler compiler = new RuntimeCompiler();

  @Test
  void compilesValidSnapshot() throws Exception {
    ConfigSnapshot snapshot =
        snapshot(
            7,
            List.of(cluster("web", 8081, 8082), cluster("api", 9000)),
            List.of(
                route("api", List.of("API.example.com"), "/api", "api"),
                route("web", List.of(), null, "web")));

    Runtime runtime = compiler.compile(snapshot);

    assertThat(runtime.revision()).isEqualTo(7);
    assertThat(runtime.snapshot()).isSameAs(snapshot);
    assertThat(runtime.clusters()).containsOnlyKeys("clusters/web", "clusters/api");
    assertThat(runtime.clusters().get("clusters/web").connectTimeout())
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(runtime.routes().find("api.example.com", "/api/x").name()).isEqualTo("routes/api");
    assertThat(
            runtime
                .routes()
                .find("api.example.com", "/api/x")
                .policies()
                .get(ForwardPolicy.KEY)
                .timeout())
        .isEqualTo(Duration.ofSeconds(15));
    assertThat(runtime.routes().find("other", "/").name()).isEqualTo("routes/web");
  }

  @Test
  void emptySnapshotCompilesToTableWithoutRoutes() throws Exception {
    Runtime runtime = compiler.compile(ConfigSnapshot.getDefaultInstance());

    assertThat(runtime.revision()).isZero();
    assertThat(runtime.routes().find("a", "/")).isNull();
  }

  @Test
  void rejectsRouteWithUnknownCluster() {
    ConfigSnapshot snapshot = snapshot(1, List.of(), List.of(route("api", List.of(), null, "x")));

    CompileException e =
        catchThrowableOfType(CompileException.class, () -> compiler.compile(snapshot));

    assertThat(e.getMessage())
        .isEqualTo("routes/api.forward.clusters[0].cluster: cluster \"clusters/x\" does not exist");
  }

  @Test
  void listsEveryProblemWithItsPath() {
    Cluster noEndpoints = Cluster.newBuilder().setName("clusters/empty").build();
    Cluster badEndpoint =
        Cluster.newBuilder()
            .setName("clusters/bad")
            .addEndpoints(Endpoint.newBuilder().setHost("").setPort(0))
            .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80))
            .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80))
            .build();
    Route badHost = route("hosts", List.of("*.", "a..b"), null, "ok");
    Route badPath = route("path", List.of(), "api", "ok");
    Route noClusters = route("none", List.of(), null);
    Route noAction =
        Route.newBuilder().setName("routes/idle").setMatch(RouteMatch.getDefaultInstance()).build();
    ConfigSnapshot snapshot =
        snapshot(
            3,
            List.of(noEndpoints, badEndpoint, cluster("ok", 80), cluster("ok", 81)),
            List.of(
                badHost,
                badPath,
                noClusters,
                noAction,
                route("dup", List.of(), null, "ok"),
                route("dup", List.of(), null, "ok"),
                route("Bad_Name", List.of(), null, "ok")));

    CompileException e =
        catchThrowableOfType(CompileException.class, () -> compiler.compile(snapshot));

    assertThat(e.problems())
        .containsExactlyInAnyOrder(
            "clusters/empty.endpoints: at least one endpoint is required",
            "clusters/bad.endpoints[0].host: a host is required",
            "clusters/bad.endpoints[0].port: must be 1-65535, not 0",
            "clusters/bad.endpoints[2]: duplicates endpoints[1] (10.0.0.1:80)",
            "clusters/ok.name: duplicate cluster name",
            "routes/hosts.match.hosts[0]: \"*.\" has an empty label",
            "routes/hosts.match.hosts[1]: \"a..b\" has an empty label",
            "routes/path.match.path_prefix: must start with \"/\"",
            "routes/none.forward.clusters: at least one cluster is required",
            "routes/idle.forward: an action is required: set forward, redirect or direct_response",
            "routes/dup.name: duplicate route name",
            "routes/Bad_Name.name: \"routes/Bad_Name\" must be \"routes/{id}\" where the id must be"
                + " 1-63 of [a-z0-9-], starting with a letter");
    assertThat(e.getMessage()).contains("\n");
  }

  @Test
  void endpointWeightZeroMeansOne() throws Exception {
    Runtime runtime = compiler.compile(snapshot(1, List.of(cluster("c", 80)), List.of()));

    assertThat(runtime.clusters().get("clusters/c").endpoints().get(0).weight()).isEqualTo(1);
  }

  @Test
  void validatesHostPatterns() {
    assertThat(HostPatterns.problem("example.com")).isNull();
    assertThat(HostPatterns.problem("*.example.com")).isNull();
    assertThat(HostPatterns.problem("10.0.0.5")).isNull();
    assertThat(HostPatterns.problem("*.com")).isNotNull();
    assertThat(HostPatterns.problem("a.*.com")).isNotNull();
    assertThat(HostPatterns.problem("example.com:80")).isNotNull();
    assertThat(HostPatterns.problem("-a.com")).isNotNull();
  }

  @Test
  void anEndpointAddedByALaterConfigSlowStartsButTheFirstOnesDoNot() throws Exception {
    RuntimeCompiler shared = new RuntimeCompiler(new EndpointRegistry(), new TrafficStats());
    SlowStart hour = SlowStart.newBuilder().setWindow(Durations.fromHours(1)).build();
    Cluster two = cluster("web", 8001, 8002).toBuilder().setSlowStart(hour).build();
    Runtime first =
        shared.compile(snapshot(1, List.of(two), List.of(route("web", List.of(), "/", "web"))));
    Map<Integer, Integer> before = ports(first, 2_000);
    assertThat(before).containsEntry(8001, 1_000).containsEntry(8002, 1_000);

    Cluster three =
        two.toBuilder()
            .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(8003))
            .build();
    Runtime second =
        shared.compile(snapshot(2, List.of(three), List.of(route("web", List.of(), "/", "web"))));
    Map<Integer, Integer> after = ports(second, 21_000);

    // At the start of an hour's ramp 8003 weighs the min 10 %: 0.1 / 2.1 of the picks.
    assertThat(after.get(8003)).isBetween(600, 1_400);
  }

  private static Map<Integer, Integer> ports(Runtime runtime, int picks) {
    Map<Integer, Integer> counts = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      counts.merge(
          runtime.clusters().get("clusters/web").balancer().pick().port(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void aPanicThresholdWrapsEvenOneLevelAndABrokenSlowStartIsRefused() throws Exception {
    Cluster panicky = cluster("web", 8001, 8002).toBuilder().setPanicThresholdPercent(50).build();
    Runtime runtime =
        compiler.compile(
            snapshot(1, List.of(panicky), List.of(route("web", List.of(), "/", "web"))));
    assertThat(runtime.clusters().get("clusters/web").balancer())
        .isInstanceOf(PriorityBalancer.class);

    Cluster broken =
        cluster("web", 8001).toBuilder()
            .setSlowStart(SlowStart.newBuilder().setWindow(Durations.fromHours(2)))
            .build();
    assertThatThrownBy(
            () ->
                compiler.compile(
                    snapshot(2, List.of(broken), List.of(route("web", List.of(), "/", "web")))))
        .isInstanceOf(CompileException.class)
        .hasMessageContaining("clusters/web.slow_start.window: must be 1s to 3600s, not 7200s");
  }

  @Test
  void balancerPositionSurvivesAnUnrelatedConfigSwap() throws Exception {
    RuntimeCompiler shared = new RuntimeCompiler(new EndpointRegistry(), new TrafficStats());
    Cluster three = cluster("web", 8001, 8002, 8003);
    Runtime first =
        shared.compile(snapshot(1, List.of(three), List.of(route("web", List.of(), "/", "web"))));
    assertThat(first.clusters().get("clusters/web").balancer().pick().port()).isEqualTo(8001);

    // Revision 2 adds an unrelated route; round robin goes on where it was.
    Runtime second =
        shared.compile(
            snapshot(
                2,
                List.of(three, cluster("other", 9000)),
                List.of(
                    route("web", List.of(), "/", "web"),
                    route("other", List.of(), "/o", "other"))));
    assertThat(second.clusters().get("clusters/web").balancer().pick().port()).isEqualTo(8002);
    assertThat(second.clusters().get("clusters/web").balancer().pick().port()).isEqualTo(8003);
    // The endpoint state is the same object across runtimes.
    assertThat(second.clusters().get("clusters/web").endpoints().get(0).state())
        .isSameAs(first.clusters().get("clusters/web").endpoints().get(0).state());

    // A fresh registry starts over: the position is not a property of the snapshot.
    Runtime fresh =
        new RuntimeCompiler()
            .compile(
                snapshot(
                    2,
                    List.of(three, cluster("other", 9000)),
                    List.of(route("web", List.of(), "/", "web"))));
    assertThat(fresh.clusters().get("clusters/web").balancer().pick().port()).isEqualTo(8001);
  }

  @Test
  void rejectsBadMethodNamesAndPrefixModeWithoutPrefix() {
    Route badMethods =
        route("m", List.of(), "/m", "ok").toBuilder()
            .setMatch(
                RouteMatch.newBuilder()
                    .setPathPrefix("/m")
                    .addMethods("GET")
                    .addMethods("get")
                    .addMethods("G T")
                    .addMethods("GET")
                    .addMethods("CONNECT"))
            .build();
    Route modeWithoutPrefix =
        route("p", List.of(), null, "ok").toBuilder()
            .setMatch(
                RouteMatch.newBuilder()
                    .setPathExact("/p")
                    .setPrefixMode(RouteMatch.PrefixMode.STRING))
            .build();

    CompileException e =
        catchThrowableOfType(
            CompileException.class,
            () ->
                compiler.compile(
                    snapshot(
                        1, List.of(cluster("ok", 80)), List.of(badMethods, modeWithoutPrefix))));

    assertThat(e.problems()).hasSize(5);
    assertThat(e.problems())
        .anyMatch(p -> p.startsWith("routes/m.match.methods[1]: methods are case-sensitive"));
    assertThat(e.problems())
        .anyMatch(p -> p.startsWith("routes/m.match.methods[2]: \"G T\" is not an HTTP method"));
    assertThat(e.problems()).contains("routes/m.match.methods[3]: duplicates methods[0]");
    assertThat(e.problems())
        .anyMatch(p -> p.startsWith("routes/m.match.methods[4]: CONNECT is answered 405"));
    assertThat(e.problems()).contains("routes/p.match.prefix_mode: only applies to path_prefix");
  }

  @Test
  void compilesRequestBodyRetriesAndPathForwardingIntoPolicies() throws Exception {
    Route streaming =
        route("up", List.of(), "/up", "ok").toBuilder()
            .setRequestBody(RequestBodyPolicy.newBuilder().setMode(RequestBodyPolicy.Mode.STREAM))
            .setForward(
                route("up", List.of(), "/up", "ok").getForward().toBuilder()
                    .setMaxAttempts(3)
                    .setPathForwarding(ForwardAction.PathForwarding.RAW))
            .build();
    Runtime runtime =
        compiler.compile(
            snapshot(
                1,
                List.of(cluster("ok", 80)),
                List.of(streaming, route("plain", List.of(), "/plain", "ok"))));

    CompiledRoute up = runtime.routes().find("h", "/up/x");
    assertThat(up.policies().get(BufferingPolicy.KEY))
        .isEqualTo(new BufferingPolicy(BufferingPolicy.Mode.STREAM, 0));
    assertThat(up.policies().get(ForwardPolicy.KEY).maxAttempts()).isEqualTo(3);
    assertThat(up.policies().get(ForwardPolicy.KEY).rewrite().pathForm())
        .isEqualTo(RequestRewrite.PathForm.RAW);
    CompiledRoute plain = runtime.routes().find("h", "/plain");
    assertThat(plain.policies().get(BufferingPolicy.KEY)).isSameAs(BufferingPolicy.defaults());
    assertThat(plain.policies().get(ForwardPolicy.KEY).maxAttempts())
        .isEqualTo(dev.concierge.api.rules.RouteRules.DEFAULT_ATTEMPTS);
    assertThat(plain.policies().get(ForwardPolicy.KEY).rewrite().pathForm())
        .isEqualTo(RequestRewrite.PathForm.NORMALIZED);
  }

  @Test
  void rejectsTooManyAttempts() {
    Route route = route("r", List.of(), "/", "ok");
    route = route.toBuilder().setForward(route.getForward().toBuilder().setMaxAttempts(6)).build();
    Route finalRoute = route;

    CompileException e =
        catchThrowableOfType(
            CompileException.class,
            () -> compiler.compile(snapshot(1, List.of(cluster("ok", 80)), List.of(finalRoute))));

    assertThat(e.problems())
        .containsExactly("routes/r.forward.max_attempts: must be at most 5 (0 means 2), not 6");
  }

  @ParameterizedTest
  @EnumSource(
      value = Cluster.LbPolicy.class,
      names = {"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"})
  void drainingEndpointStaysInTheClusterButNoBalancerPicksIt(Cluster.LbPolicy policy)
      throws Exception {
    for (int drainedPriority : new int[] {0, 1}) {
      Cluster cluster =
          Cluster.newBuilder()
              .setName("clusters/c")
              .setLbPolicy(policy)
              .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80))
              .addEndpoints(
                  Endpoint.newBuilder()
                      .setHost("10.0.0.2")
                      .setPort(80)
                      .setPriority(drainedPriority)
                      .setDraining(true))
              .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.3").setPort(80))
              .build();

      Runtime runtime = compiler.compile(snapshot(1, List.of(cluster), List.of()));

      var compiled = runtime.clusters().get("clusters/c");
      assertThat(compiled.endpoints()).extracting(e -> e.host()).contains("10.0.0.2");
      assertThat(runtime.endpointAddresses().get("clusters/c")).contains("10.0.0.2:80");
      assertThat(compiled.balancer().candidates())
          .extracting(e -> e.host())
          .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.3");
      java.util.Random random = new java.util.Random(7);
      for (int i = 0; i < 1000; i++) {
        assertThat(compiled.balancer().pick(random.nextLong(), null, 0).host())
            .isNotEqualTo("10.0.0.2");
      }
    }
  }

  @Test
  void rejectsClusterWhoseEveryEndpointIsDraining() {
    Cluster cluster =
        Cluster.newBuilder()
            .setName("clusters/c")
            .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80).setDraining(true))
            .build();

    CompileException e =
        catchThrowableOfType(
            CompileException.class,
            () -> compiler.compile(snapshot(1, List.of(cluster), List.of())));

    assertThat(e.problems())
        .containsExactly(
            "clusters/c.endpoints: every endpoint is draining: at least one must take new"
                + " requests");
  }
}
