package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import dev.concierge.api.v1.CircuitBreakers;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreatePolicyRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DayOfWeek;
import dev.concierge.api.v1.DeviceClass;
import dev.concierge.api.v1.DirectResponseAction;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.HeaderMatch;
import dev.concierge.api.v1.HeaderMutations;
import dev.concierge.api.v1.HeaderValue;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.QueryParameterMatch;
import dev.concierge.api.v1.RedirectAction;
import dev.concierge.api.v1.RegexRewrite;
import dev.concierge.api.v1.RequestBodyPolicy;
import dev.concierge.api.v1.RetryBudget;
import dev.concierge.api.v1.RetryPolicy;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.TimeWindow;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.dataplane.runtime.CompileException;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The management API accepts a cluster or route exactly when every node compiles it, rule by rule,
 * on the edge cases: one accepted write must never be NACKed by the whole fleet. The API side is a
 * real control plane answering {@code validate_only} creates; the node side is the node's own
 * compiler on a snapshot holding the resource.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RuleAgreementIT {
  private static final String LABEL_63 = "a".repeat(63);
  private static final String NAME_253 =
      String.join(".", LABEL_63, LABEL_63, LABEL_63, "a".repeat(61));
  private static final Cluster TARGET =
      Cluster.newBuilder()
          .setName("clusters/c")
          .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(8080))
          .build();

  @TempDir static Path dataDir;
  private Fleet fleet;

  @BeforeAll
  void startControlPlane() throws Exception {
    fleet = Fleet.start(dataDir, 0);
    fleet
        .api()
        .createCluster(
            CreateClusterRequest.newBuilder()
                .setClusterId("c")
                .setCluster(TARGET.toBuilder().clearName())
                .build());
  }

  @AfterAll
  void stop() {
    fleet.close();
  }

  @ParameterizedTest(name = "route {0}: accepted={2}")
  @MethodSource("routes")
  void controlPlaneAndNodeAgreeOnRoutes(String rule, Route route, boolean accepted) {
    assertThat(apiAccepts(route)).as("management API on %s", rule).isEqualTo(accepted);
    assertThat(nodeAccepts(route)).as("node on %s", rule).isEqualTo(accepted);
  }

  @ParameterizedTest(name = "cluster {0}: accepted={2}")
  @MethodSource("clusters")
  void controlPlaneAndNodeAgreeOnClusters(String rule, Cluster cluster, boolean accepted) {
    assertThat(apiAccepts(cluster)).as("management API on %s", rule).isEqualTo(accepted);
    assertThat(nodeAccepts(cluster)).as("node on %s", rule).isEqualTo(accepted);
  }

  @ParameterizedTest(name = "policy {0}: accepted={2}")
  @MethodSource("policies")
  void controlPlaneAndNodeAgreeOnPolicies(String rule, Policy policy, boolean accepted) {
    assertThat(apiAccepts(policy)).as("management API on %s", rule).isEqualTo(accepted);
    assertThat(nodeAccepts(policy)).as("node on %s", rule).isEqualTo(accepted);
  }

  Stream<Arguments> policies() {
    List<Arguments> cases = new ArrayList<>();
    for (String block :
        List.of(
            "0.0.0.0/0",
            "::/0",
            "10.0.0.0/8",
            "10.0.0.0/08",
            "192.0.2.1/32",
            "2001:db8::/32",
            "::1/128",
            "fe80::/10")) {
      cases.add(policy("allow " + block, true, l -> l.addAllow(block)));
      cases.add(policy("deny " + block, true, l -> l.addDeny(block)));
    }
    for (String block :
        List.of(
            "10.0.0.1/8",
            "10.0.0.0/33",
            "::1/129",
            "10.0.0.0",
            "10.0.0.0/",
            "/8",
            " 10.0.0.0/8",
            "10.0.0.0/-1",
            "example.com/8",
            "::ffff:10.0.0.0/104",
            "2001:db8::1/32",
            "")) {
      cases.add(policy("deny '" + block + "'", false, l -> l.addDeny(block)));
    }
    cases.add(policy("no blocks", false, l -> {}));
    cases.add(
        policy("source peer", true, l -> l.addDeny("::/0").setSource(IpAccessList.Source.PEER)));
    cases.add(policy("source 9", false, l -> l.addDeny("::/0").setSourceValue(9)));
    cases.add(named("no kind", Policy.newBuilder().setName("policies/p").build(), false));
    return cases.stream();
  }

  private static Arguments policy(
      String rule, boolean accepted, Consumer<IpAccessList.Builder> change) {
    IpAccessList.Builder list = IpAccessList.newBuilder();
    change.accept(list);
    return Arguments.of(
        rule, Policy.newBuilder().setName("policies/p").setIpAccess(list).build(), accepted);
  }

  private boolean apiAccepts(Policy policy) {
    return accepted(
        () ->
            fleet
                .api()
                .createPolicy(
                    CreatePolicyRequest.newBuilder()
                        .setPolicy(policy)
                        .setValidateOnly(true)
                        .build()));
  }

  private static boolean nodeAccepts(Policy policy) {
    return compiles(
        ConfigSnapshot.newBuilder().setRevision(1).addClusters(TARGET).addPolicies(policy));
  }

  Stream<Arguments> routes() {
    List<Arguments> cases = new ArrayList<>();
    cases.add(route("policy that does not exist", false, r -> r.addPolicies("policies/gone")));
    cases.add(route("policy named by a bare id", false, r -> r.addPolicies("gone")));
    cases.add(
        route(
            "policy named twice",
            false,
            r -> r.addPolicies("policies/gone").addPolicies("policies/gone")));
    for (String host :
        List.of(
            "example.com",
            "API.Example.COM",
            "*.example.com",
            "*.a.b.example.com",
            "localhost",
            "xn--bcher-kva.example",
            "10.0.0.5",
            "[::1]",
            "[2001:db8::1]",
            "a1.example.com",
            LABEL_63 + ".example.com",
            NAME_253)) {
      cases.add(route("host " + host, true, r -> r.getMatchBuilder().addHosts(host)));
    }
    for (String host :
        List.of(
            "*.com",
            "*",
            "*.",
            "a..b",
            "example.com.",
            "-a.com",
            "a-.com",
            "a.*.com",
            "example.com:80",
            "::1",
            "[::zz]",
            "999.1.1.1",
            "1.2.3",
            "bücher.example",
            "under_score.com",
            "a".repeat(64) + ".example.com",
            NAME_253 + "a",
            "")) {
      cases.add(route("host " + host, false, r -> r.getMatchBuilder().addHosts(host)));
    }
    cases.add(
        route(
            "hosts differing in case",
            false,
            r -> r.getMatchBuilder().addHosts("a.example").addHosts("A.example")));
    for (String path : List.of("/", "/api", "/api/", "/.well-known/x", "/café", "/100%", "/...")) {
      cases.add(route("prefix " + path, true, r -> r.getMatchBuilder().setPathPrefix(path)));
      cases.add(route("exact " + path, true, r -> r.getMatchBuilder().setPathExact(path)));
    }
    for (String path :
        List.of(
            "api",
            "",
            "/x/../y",
            "/x/./y",
            "/x/..",
            "/x%2e%2e",
            "/a%2Fb",
            "/q?x=1",
            "/a#b",
            "/a b",
            "/a\tb")) {
      cases.add(route("prefix " + path, false, r -> r.getMatchBuilder().setPathPrefix(path)));
      cases.add(route("exact " + path, false, r -> r.getMatchBuilder().setPathExact(path)));
    }
    cases.add(
        route(
            "string prefix mode",
            true,
            r -> r.getMatchBuilder().setPrefixMode(RouteMatch.PrefixMode.STRING)));
    cases.add(
        route(
            "prefix mode on an exact path",
            false,
            r ->
                r.getMatchBuilder()
                    .setPathExact("/x")
                    .setPrefixMode(RouteMatch.PrefixMode.STRING)));
    cases.add(route("unknown prefix mode", false, r -> r.getMatchBuilder().setPrefixModeValue(9)));
    for (String method : List.of("GET", "PURGE", "M-SEARCH", "A".repeat(32))) {
      cases.add(route("method " + method, true, r -> r.getMatchBuilder().addMethods(method)));
    }
    for (String method : List.of("get", "G T", "CONNECT", "TRACE", "", "A".repeat(33))) {
      cases.add(route("method " + method, false, r -> r.getMatchBuilder().addMethods(method)));
    }
    cases.add(
        route(
            "a method twice", false, r -> r.getMatchBuilder().addMethods("GET").addMethods("GET")));
    List<HeaderMatch> goodHeaders =
        List.of(
            HeaderMatch.newBuilder().setName("x-canary").build(),
            HeaderMatch.newBuilder().setName("X-Canary").setInvert(true).build(),
            HeaderMatch.newBuilder().setName("user-agent").setExact("").build(),
            HeaderMatch.newBuilder().setName("accept").setPrefix("text/").build(),
            HeaderMatch.newBuilder().setName("x-v").setRegex("v[0-9]+").setInvert(true).build(),
            HeaderMatch.newBuilder().setName("x").setRegex("a".repeat(1024)).build());
    for (HeaderMatch header : goodHeaders) {
      cases.add(route("header " + header, true, r -> r.getMatchBuilder().addHeaders(header)));
    }
    List<HeaderMatch> badHeaders =
        List.of(
            HeaderMatch.newBuilder().build(),
            HeaderMatch.newBuilder().setName("x y").build(),
            HeaderMatch.newBuilder().setName("x").setPrefix("").build(),
            HeaderMatch.newBuilder().setName("x").setExact("a\r\nb").build(),
            HeaderMatch.newBuilder().setName("x").setRegex("(a").build(),
            HeaderMatch.newBuilder().setName("x").setRegex("(a)\\1").build(),
            HeaderMatch.newBuilder().setName("x").setRegex("a".repeat(1025)).build());
    for (HeaderMatch header : badHeaders) {
      cases.add(route("header " + header, false, r -> r.getMatchBuilder().addHeaders(header)));
    }
    cases.add(
        route(
            "a header twice",
            false,
            r ->
                r.getMatchBuilder()
                    .addHeaders(HeaderMatch.newBuilder().setName("x"))
                    .addHeaders(HeaderMatch.newBuilder().setName("X"))));
    List<QueryParameterMatch> goodQueries =
        List.of(
            QueryParameterMatch.newBuilder().setName("debug").build(),
            QueryParameterMatch.newBuilder().setName("a b").setExact("c&d").build(),
            QueryParameterMatch.newBuilder().setName("v").setRegex("[0-9]{1,3}").build());
    for (QueryParameterMatch query : goodQueries) {
      cases.add(route("query " + query, true, r -> r.getMatchBuilder().addQueryParameters(query)));
    }
    for (String regex : List.of("/users/[0-9]+", "/(a|b)/.*", "/")) {
      cases.add(route("path regex " + regex, true, r -> r.getMatchBuilder().setPathRegex(regex)));
    }
    for (String regex : List.of("", "(", "a{2000}", "/" + "a".repeat(1024), "(a)\\1")) {
      cases.add(
          route(
              "path regex "
                  + regex.length()
                  + " "
                  + regex.substring(0, Math.min(9, regex.length())),
              false,
              r -> r.getMatchBuilder().setPathRegex(regex)));
    }
    for (String cidr :
        List.of("10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "::1/128", "1.2.3.4/32")) {
      cases.add(route("source " + cidr, true, r -> r.getMatchBuilder().addSourceCidrs(cidr)));
    }
    for (String cidr :
        List.of("10.0.0.1/8", "10.0.0.0/33", "10.0.0.0", "2001:db8::/129", "x/8", "10.0.0.0/-1")) {
      cases.add(route("source " + cidr, false, r -> r.getMatchBuilder().addSourceCidrs(cidr)));
    }
    cases.add(
        route(
            "source twice",
            false,
            r -> r.getMatchBuilder().addSourceCidrs("10.0.0.0/8").addSourceCidrs("10.0.0.0/8")));
    cases.add(
        route(
            "devices mobile and bot",
            true,
            r -> r.getMatchBuilder().addDevices(DeviceClass.MOBILE).addDevices(DeviceClass.BOT)));
    cases.add(
        route(
            "device unspecified",
            false,
            r -> r.getMatchBuilder().addDevices(DeviceClass.DEVICE_CLASS_UNSPECIFIED)));
    cases.add(route("device 9", false, r -> r.getMatchBuilder().addDevicesValue(9)));
    for (String country : List.of("FR", "ZZ")) {
      cases.add(route("country " + country, true, r -> r.getMatchBuilder().addCountries(country)));
    }
    for (String country : List.of("fr", "FRA", "F", "", "1A")) {
      cases.add(route("country " + country, false, r -> r.getMatchBuilder().addCountries(country)));
    }
    List<TimeWindow> goodWindows =
        List.of(
            TimeWindow.newBuilder()
                .addDays(DayOfWeek.MONDAY)
                .setStart("09:00")
                .setEnd("17:00")
                .setTimeZone("Europe/Paris")
                .build(),
            TimeWindow.newBuilder().setStart("22:00").setEnd("02:00").build(),
            TimeWindow.newBuilder().setEnd("24:00").setTimeZone("UTC").build(),
            TimeWindow.newBuilder().addDays(DayOfWeek.SUNDAY).build());
    for (TimeWindow window : goodWindows) {
      cases.add(route("window " + window, true, r -> r.getMatchBuilder().addTimeWindows(window)));
    }
    List<TimeWindow> badWindows =
        List.of(
            TimeWindow.newBuilder().setStart("24:00").build(),
            TimeWindow.newBuilder().setStart("9:00").build(),
            TimeWindow.newBuilder().setEnd("24:01").build(),
            TimeWindow.newBuilder().setTimeZone("Mars/Olympus").build(),
            TimeWindow.newBuilder().addDays(DayOfWeek.DAY_OF_WEEK_UNSPECIFIED).build(),
            TimeWindow.newBuilder().addDaysValue(8).build());
    for (TimeWindow window : badWindows) {
      cases.add(route("window " + window, false, r -> r.getMatchBuilder().addTimeWindows(window)));
    }
    for (int priority : List.of(-1000, 0, 7, Integer.MAX_VALUE)) {
      cases.add(route("priority " + priority, true, r -> r.setPriority(priority)));
    }
    List<QueryParameterMatch> badQueries =
        List.of(
            QueryParameterMatch.newBuilder().build(),
            QueryParameterMatch.newBuilder().setName("v").setRegex("").build(),
            QueryParameterMatch.newBuilder().setName("v").setRegex("*").build());
    for (QueryParameterMatch query : badQueries) {
      cases.add(route("query " + query, false, r -> r.getMatchBuilder().addQueryParameters(query)));
    }
    List<RedirectAction> goodRedirects =
        List.of(
            RedirectAction.getDefaultInstance(),
            RedirectAction.newBuilder().setStatus(308).setScheme("https").setPort(443).build(),
            RedirectAction.newBuilder().setHost("www.example.com").setPath("/new").build(),
            RedirectAction.newBuilder().setHost("::1").setDropQuery(true).build(),
            RedirectAction.newBuilder().setPrefix("/v2").build(),
            RedirectAction.newBuilder()
                .setRegex(RegexRewrite.newBuilder().setPattern("^/a/(.*)").setSubstitution("/b/$1"))
                .build());
    for (RedirectAction redirect : goodRedirects) {
      cases.add(route("redirect " + redirect, true, r -> r.setRedirect(redirect)));
    }
    List<RedirectAction> badRedirects =
        List.of(
            RedirectAction.newBuilder().setStatus(300).build(),
            RedirectAction.newBuilder().setStatus(200).build(),
            RedirectAction.newBuilder().setScheme("ftp").build(),
            RedirectAction.newBuilder().setHost("*.example.com").build(),
            RedirectAction.newBuilder().setPort(65536).build(),
            RedirectAction.newBuilder().setPath("new").build(),
            RedirectAction.newBuilder().setPath("/a b").build(),
            RedirectAction.newBuilder()
                .setRegex(RegexRewrite.newBuilder().setPattern("(a").setSubstitution("/"))
                .build(),
            RedirectAction.newBuilder()
                .setRegex(RegexRewrite.newBuilder().setPattern("^/(a)").setSubstitution("/$2"))
                .build());
    for (RedirectAction redirect : badRedirects) {
      cases.add(route("redirect " + redirect, false, r -> r.setRedirect(redirect)));
    }
    cases.add(
        route(
            "a prefix redirect without a path prefix",
            false,
            r ->
                r.setMatch(RouteMatch.newBuilder().setPathExact("/x"))
                    .setRedirect(RedirectAction.newBuilder().setPrefix("/y"))));
    for (int status : List.of(200, 204, 418, 599)) {
      cases.add(
          route(
              "direct response " + status,
              true,
              r ->
                  r.setDirectResponse(
                      DirectResponseAction.newBuilder().setStatus(status).setBody("x"))));
    }
    for (int status : List.of(0, 199, 600)) {
      cases.add(
          route(
              "direct response " + status,
              false,
              r -> r.setDirectResponse(DirectResponseAction.newBuilder().setStatus(status))));
    }
    cases.add(
        route(
            "direct response body too large",
            false,
            r ->
                r.setDirectResponse(
                    DirectResponseAction.newBuilder()
                        .setStatus(200)
                        .setBody("x".repeat(64 * 1024 + 1)))));
    cases.add(route("no action", false, Route.Builder::clearForward));
    cases.add(route("no cluster", false, r -> r.getForwardBuilder().clearClusters()));
    cases.add(
        route(
            "missing cluster",
            false,
            r ->
                r.getForwardBuilder()
                    .setClusters(0, WeightedCluster.newBuilder().setCluster("clusters/gone"))));
    cases.add(
        route(
            "cluster listed twice",
            false,
            r ->
                r.getForwardBuilder()
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/c"))));
    cases.add(
        route(
            "malformed cluster name",
            false,
            r ->
                r.getForwardBuilder()
                    .setClusters(0, WeightedCluster.newBuilder().setCluster("c"))));
    for (int weight : new int[] {0, 1000, 1001, -1}) {
      cases.add(
          route(
              "split weight " + Integer.toUnsignedString(weight),
              // 0 on the route's only cluster would leave the traffic nowhere.
              weight >= 1 && weight <= 1000,
              r -> r.getForwardBuilder().getClustersBuilder(0).setWeight(weight)));
    }
    cases.add(timeout(Duration.newBuilder().setSeconds(3600).build(), true));
    cases.add(timeout(Duration.newBuilder().setNanos(1_000_000).build(), true));
    cases.add(timeout(Duration.newBuilder().setSeconds(3600).setNanos(1).build(), false));
    cases.add(timeout(Duration.getDefaultInstance(), false));
    cases.add(timeout(Duration.newBuilder().setSeconds(-1).build(), false));
    cases.add(timeout(Duration.newBuilder().setSeconds(1).setNanos(1_000_000_000).build(), false));
    for (int attempts : new int[] {0, 1, 5, 6, -1}) {
      cases.add(
          route(
              "max_attempts " + Integer.toUnsignedString(attempts),
              attempts >= 0 && attempts <= 5,
              r -> r.getForwardBuilder().setMaxAttempts(attempts)));
    }
    cases.add(
        route(
            "raw path forwarding",
            true,
            r -> r.getForwardBuilder().setPathForwarding(ForwardAction.PathForwarding.RAW)));
    cases.add(
        route(
            "unknown path forwarding",
            false,
            r -> r.getForwardBuilder().setPathForwardingValue(7)));
    cases.add(
        route(
            "retry on 503 with every setting",
            true,
            r ->
                r.getForwardBuilder()
                    .setRetryPolicy(
                        RetryPolicy.newBuilder()
                            .addRetryOn(RetryPolicy.RetryOn.STATUS_503)
                            .addRetryOn(RetryPolicy.RetryOn.PER_TRY_TIMEOUT)
                            .setPerTryTimeout(Duration.newBuilder().setSeconds(3600))
                            .setBackoffBase(Duration.newBuilder().setSeconds(10))
                            .setBackoffMax(Duration.newBuilder().setSeconds(60))
                            .setRetryNonIdempotent(true))));
    cases.add(
        route(
            "retry policy without a condition",
            false,
            r -> r.getForwardBuilder().setRetryPolicy(RetryPolicy.getDefaultInstance())));
    cases.add(
        route(
            "retry on unspecified",
            false,
            r ->
                r.getForwardBuilder()
                    .getRetryPolicyBuilder()
                    .addRetryOn(RetryPolicy.RetryOn.RETRY_ON_UNSPECIFIED)));
    cases.add(
        route(
            "retry on a condition twice",
            false,
            r ->
                r.getForwardBuilder()
                    .getRetryPolicyBuilder()
                    .addRetryOn(RetryPolicy.RetryOn.RESET)
                    .addRetryOn(RetryPolicy.RetryOn.RESET)));
    cases.add(
        route(
            "retry on an unknown condition",
            false,
            r -> r.getForwardBuilder().getRetryPolicyBuilder().addRetryOnValue(99)));
    cases.add(
        route(
            "per-try timeout 0",
            false,
            r ->
                r.getForwardBuilder()
                    .getRetryPolicyBuilder()
                    .addRetryOn(RetryPolicy.RetryOn.RESET)
                    .setPerTryTimeout(Duration.getDefaultInstance())));
    cases.add(
        route(
            "backoff base above 10s",
            false,
            r ->
                r.getForwardBuilder()
                    .getRetryPolicyBuilder()
                    .addRetryOn(RetryPolicy.RetryOn.RESET)
                    .setBackoffBase(Duration.newBuilder().setSeconds(11))));
    cases.add(
        route(
            "backoff max below the default base",
            false,
            r ->
                r.getForwardBuilder()
                    .getRetryPolicyBuilder()
                    .addRetryOn(RetryPolicy.RetryOn.RESET)
                    .setBackoffMax(Duration.newBuilder().setNanos(10_000_000))));
    cases.add(
        route(
            "backoff max above 60s",
            false,
            r ->
                r.getForwardBuilder()
                    .getRetryPolicyBuilder()
                    .addRetryOn(RetryPolicy.RetryOn.RESET)
                    .setBackoffMax(Duration.newBuilder().setSeconds(61))));
    for (long seconds : new long[] {1, 3600}) {
      cases.add(
          route(
              "idle timeout " + seconds + "s",
              true,
              r ->
                  r.getForwardBuilder().setIdleTimeout(Duration.newBuilder().setSeconds(seconds))));
    }
    cases.add(
        route(
            "prefix rewrite on a prefix route",
            true,
            r -> {
              r.getMatchBuilder().setPathPrefix("/v1");
              r.getForwardBuilder().setPrefixRewrite("/v2");
            }));
    cases.add(
        route(
            "prefix rewrite without a prefix match",
            false,
            r -> {
              r.getMatchBuilder().setPathExact("/v1");
              r.getForwardBuilder().setPrefixRewrite("/v2");
            }));
    cases.add(
        route(
            "regex rewrite",
            true,
            r ->
                r.getForwardBuilder()
                    .setRegexRewrite(
                        RegexRewrite.newBuilder().setPattern("^/(a)").setSubstitution("/b/$1"))));
    cases.add(
        route(
            "regex rewrite naming a missing group",
            false,
            r ->
                r.getForwardBuilder()
                    .setRegexRewrite(
                        RegexRewrite.newBuilder().setPattern("^/a").setSubstitution("/$1"))));
    cases.add(route("host rewrite", true, r -> r.getForwardBuilder().setHost("api:8443")));
    cases.add(
        route("host rewrite with a bad port", false, r -> r.getForwardBuilder().setHost("api:0")));
    cases.add(route("endpoint host", true, r -> r.getForwardBuilder().setEndpointHost(true)));
    cases.add(
        route("endpoint host false", false, r -> r.getForwardBuilder().setEndpointHost(false)));
    cases.add(
        route(
            "header edits with variables",
            true,
            r ->
                r.getForwardBuilder()
                    .setRequestHeaders(
                        HeaderMutations.newBuilder()
                            .addAdd(
                                HeaderValue.newBuilder().setName("X-C").setValue("${client_ip}"))
                            .addRemove("Cookie"))
                    .setResponseHeaders(
                        HeaderMutations.newBuilder()
                            .addSet(
                                HeaderValue.newBuilder().setName("X-R").setValue("${route}")))));
    cases.add(
        route(
            "header edit with an unknown variable",
            false,
            r ->
                r.getForwardBuilder()
                    .setRequestHeaders(
                        HeaderMutations.newBuilder()
                            .addAdd(HeaderValue.newBuilder().setName("X-C").setValue("${nope}")))));
    cases.add(
        route(
            "header edit of X-Forwarded-For",
            false,
            r ->
                r.getForwardBuilder()
                    .setResponseHeaders(
                        HeaderMutations.newBuilder().addRemove("X-Forwarded-For"))));
    cases.add(
        route(
            "idle timeout above 1h",
            false,
            r -> r.getForwardBuilder().setIdleTimeout(Duration.newBuilder().setSeconds(3601))));
    cases.add(
        route(
            "idle timeout 0",
            false,
            r -> r.getForwardBuilder().setIdleTimeout(Duration.getDefaultInstance())));
    cases.add(
        route(
            "streamed body",
            true,
            r -> r.getRequestBodyBuilder().setMode(RequestBodyPolicy.Mode.STREAM)));
    cases.add(route("body of 1 TiB", true, r -> r.getRequestBodyBuilder().setMaxBytes(1L << 40)));
    cases.add(
        route(
            "body above 1 TiB", false, r -> r.getRequestBodyBuilder().setMaxBytes((1L << 40) + 1)));
    cases.add(route("unknown body mode", false, r -> r.getRequestBodyBuilder().setModeValue(5)));
    cases.add(route("description of 256", true, r -> r.setDescription("d".repeat(256))));
    cases.add(route("description of 257", false, r -> r.setDescription("d".repeat(257))));
    for (String id : List.of("a", "a-1", "z".repeat(63))) {
      cases.add(named("route id " + id, routeNamed("routes/" + id), true));
    }
    for (String id : List.of("A", "1a", "a_b", "-a", "z".repeat(64))) {
      cases.add(named("route id " + id, routeNamed("routes/" + id), false));
    }
    return cases.stream();
  }

  Stream<Arguments> clusters() {
    List<Arguments> cases = new ArrayList<>();
    for (String host :
        List.of(
            "backend",
            "backend.internal",
            "Backend.Example",
            "backend.local.",
            "my_service",
            "xn--bcher-kva.example",
            "10.0.0.1",
            "::1",
            "[::1]",
            "2001:db8::1",
            LABEL_63 + ".example",
            NAME_253)) {
      cases.add(
          cluster("endpoint host " + host, true, c -> c.getEndpointsBuilder(0).setHost(host)));
    }
    for (String host :
        List.of(
            "",
            "example.com:80",
            "[::zz]",
            "999.1.1.1",
            "a..b",
            "bücher.example",
            "-a.example",
            "http://a",
            "a".repeat(64) + ".example",
            NAME_253 + "a")) {
      cases.add(
          cluster("endpoint host " + host, false, c -> c.getEndpointsBuilder(0).setHost(host)));
    }
    for (int port : new int[] {1, 65535, 0, 65536, -1}) {
      cases.add(
          cluster(
              "port " + Integer.toUnsignedString(port),
              port >= 1 && port <= 65535,
              c -> c.getEndpointsBuilder(0).setPort(port)));
    }
    for (int weight : new int[] {0, 1000, 1001}) {
      cases.add(
          cluster(
              "endpoint weight " + weight,
              weight <= 1000,
              c -> c.getEndpointsBuilder(0).setWeight(weight)));
    }
    for (int priority : new int[] {0, 127, 128, -1}) {
      cases.add(
          cluster(
              "priority " + Integer.toUnsignedString(priority),
              priority >= 0 && priority <= 127,
              c -> c.getEndpointsBuilder(0).setPriority(priority)));
    }
    cases.add(cluster("no endpoints", false, Cluster.Builder::clearEndpoints));
    cases.add(
        cluster(
            "an endpoint twice, in other case",
            false,
            c ->
                c.setEndpoints(0, Endpoint.newBuilder().setHost("b.example").setPort(80))
                    .addEndpoints(Endpoint.newBuilder().setHost("B.example").setPort(80))));
    cases.add(cluster("unknown lb policy", false, c -> c.setLbPolicyValue(42)));
    for (Cluster.LbPolicy policy :
        List.of(
            Cluster.LbPolicy.LEAST_REQUEST,
            Cluster.LbPolicy.RANDOM,
            Cluster.LbPolicy.RING_HASH,
            Cluster.LbPolicy.MAGLEV)) {
      cases.add(cluster("lb policy " + policy, true, c -> c.setLbPolicy(policy)));
    }
    for (Cluster.LbPolicy policy : List.of(Cluster.LbPolicy.RING_HASH, Cluster.LbPolicy.MAGLEV)) {
      cases.add(
          cluster(
              policy + " on header x-user",
              true,
              c -> c.setLbPolicy(policy).setHashPolicy(hashOn(h -> h.setHeader("x-user")))));
      cases.add(
          cluster(
              policy + " on cookie sid",
              true,
              c -> c.setLbPolicy(policy).setHashPolicy(hashOn(h -> h.setCookie("sid")))));
      cases.add(
          cluster(
              policy + " on path",
              true,
              c -> c.setLbPolicy(policy).setHashPolicy(hashOn(h -> h.setPath(true)))));
      cases.add(
          cluster(
              policy + " on source ip",
              true,
              c -> c.setLbPolicy(policy).setHashPolicy(hashOn(h -> h.setSourceIp(true)))));
    }
    cases.add(
        cluster(
            "hash policy with round robin",
            false,
            c -> c.setHashPolicy(hashOn(h -> h.setSourceIp(true)))));
    cases.add(
        cluster(
            "hash policy without a key",
            false,
            c -> c.setLbPolicy(Cluster.LbPolicy.MAGLEV).setHashPolicy(hashOn(h -> {}))));
    cases.add(
        cluster(
            "hash on path false",
            false,
            c ->
                c.setLbPolicy(Cluster.LbPolicy.MAGLEV)
                    .setHashPolicy(hashOn(h -> h.setPath(false)))));
    cases.add(
        cluster(
            "hash on source ip false",
            false,
            c ->
                c.setLbPolicy(Cluster.LbPolicy.RING_HASH)
                    .setHashPolicy(hashOn(h -> h.setSourceIp(false)))));
    for (String name : List.of("", "x user", "x:user", "a".repeat(4097))) {
      cases.add(
          cluster(
              "hash on header \"" + (name.length() > 20 ? "a x 4097" : name) + "\"",
              false,
              c ->
                  c.setLbPolicy(Cluster.LbPolicy.RING_HASH)
                      .setHashPolicy(hashOn(h -> h.setHeader(name)))));
      cases.add(
          cluster(
              "hash on cookie \"" + (name.length() > 20 ? "a x 4097" : name) + "\"",
              false,
              c ->
                  c.setLbPolicy(Cluster.LbPolicy.RING_HASH)
                      .setHashPolicy(hashOn(h -> h.setCookie(name)))));
    }
    for (int percent : new int[] {0, 100, 140, 1000, 99, 1001, 1, -1}) {
      cases.add(
          cluster(
              "overprovisioning " + Integer.toUnsignedString(percent),
              percent == 0 || (percent >= 100 && percent <= 1000),
              c -> c.setOverprovisioningPercent(percent)));
    }
    cases.add(cluster("empty retry budget", true, c -> c.setRetryBudget(RetryBudget.newBuilder())));
    cases.add(
        cluster(
            "retry budget 100%, min 10000",
            true,
            c ->
                c.setRetryBudget(
                    RetryBudget.newBuilder().setPercent(100).setMinRetryConcurrency(10_000))));
    cases.add(
        cluster(
            "retry budget 101%",
            false, c -> c.setRetryBudget(RetryBudget.newBuilder().setPercent(101))));
    cases.add(
        cluster(
            "retry budget min 10001",
            false,
            c -> c.setRetryBudget(RetryBudget.newBuilder().setMinRetryConcurrency(10_001))));
    cases.add(
        cluster(
            "circuit breakers at their maximum",
            true,
            c ->
                c.setCircuitBreakers(
                    CircuitBreakers.newBuilder()
                        .setMaxConnections(1_000_000)
                        .setMaxPendingRequests(1_000_000)
                        .setMaxRequests(1_000_000)
                        .setMaxRetries(1_000_000))));
    cases.add(
        cluster(
            "max_requests over a million",
            false,
            c -> c.setCircuitBreakers(CircuitBreakers.newBuilder().setMaxRequests(1_000_001))));
    cases.add(
        cluster(
            "max_pending_requests without max_connections",
            false,
            c -> c.setCircuitBreakers(CircuitBreakers.newBuilder().setMaxPendingRequests(5))));
    for (Cluster.Protocol protocol :
        new Cluster.Protocol[] {Cluster.Protocol.HTTP1, Cluster.Protocol.HTTP2}) {
      cases.add(cluster("protocol " + protocol, true, c -> c.setProtocol(protocol)));
    }
    cases.add(cluster("unknown protocol", false, c -> c.setProtocolValue(7)));
    for (long seconds : new long[] {1, 60}) {
      cases.add(
          cluster(
              "connect timeout " + seconds + "s",
              true,
              c -> c.setConnectTimeout(Duration.newBuilder().setSeconds(seconds))));
    }
    cases.add(
        cluster(
            "connect timeout 60.000000001s",
            false,
            c -> c.setConnectTimeout(Duration.newBuilder().setSeconds(60).setNanos(1))));
    cases.add(
        cluster(
            "connect timeout 0", false, c -> c.setConnectTimeout(Duration.getDefaultInstance())));
    cases.add(cluster("description of 257", false, c -> c.setDescription("d".repeat(257))));
    for (String id : List.of("a", "z".repeat(63))) {
      cases.add(
          named("cluster id " + id, TARGET.toBuilder().setName("clusters/" + id).build(), true));
    }
    for (String id : List.of("A", "9", "a.b", "z".repeat(64))) {
      cases.add(
          named("cluster id " + id, TARGET.toBuilder().setName("clusters/" + id).build(), false));
    }
    return cases.stream();
  }

  private static Arguments timeout(Duration timeout, boolean accepted) {
    return route(
        "timeout " + timeout.getSeconds() + "s+" + timeout.getNanos() + "ns",
        accepted,
        r -> r.getForwardBuilder().setTimeout(timeout));
  }

  private static Arguments route(String rule, boolean accepted, Consumer<Route.Builder> change) {
    Route.Builder route = routeNamed("routes/r").toBuilder();
    change.accept(route);
    return Arguments.of(rule, route.build(), accepted);
  }

  private static Cluster.HashPolicy hashOn(Consumer<Cluster.HashPolicy.Builder> key) {
    Cluster.HashPolicy.Builder policy = Cluster.HashPolicy.newBuilder();
    key.accept(policy);
    return policy.build();
  }

  private static Arguments cluster(
      String rule, boolean accepted, Consumer<Cluster.Builder> change) {
    Cluster.Builder cluster = TARGET.toBuilder().setName("clusters/x");
    change.accept(cluster);
    return Arguments.of(rule, cluster.build(), accepted);
  }

  private static Arguments named(String rule, Message resource, boolean accepted) {
    return Arguments.of(rule, resource, accepted);
  }

  private static Route routeNamed(String name) {
    return Route.newBuilder()
        .setName(name)
        .setMatch(RouteMatch.newBuilder().setPathPrefix("/"))
        .setForward(
            ForwardAction.newBuilder()
                .addClusters(WeightedCluster.newBuilder().setCluster(TARGET.getName())))
        .build();
  }

  private boolean apiAccepts(Route route) {
    return accepted(
        () ->
            fleet
                .api()
                .createRoute(
                    CreateRouteRequest.newBuilder().setRoute(route).setValidateOnly(true).build()));
  }

  private boolean apiAccepts(Cluster cluster) {
    return accepted(
        () ->
            fleet
                .api()
                .createCluster(
                    CreateClusterRequest.newBuilder()
                        .setCluster(cluster)
                        .setValidateOnly(true)
                        .build()));
  }

  private static boolean accepted(Runnable call) {
    try {
      call.run();
      return true;
    } catch (StatusRuntimeException e) {
      assertThat(e.getStatus().getCode())
          .as(e.getMessage())
          .isEqualTo(Status.Code.INVALID_ARGUMENT);
      return false;
    }
  }

  private static boolean nodeAccepts(Route route) {
    return compiles(
        ConfigSnapshot.newBuilder().setRevision(1).addClusters(TARGET).addRoutes(route));
  }

  private static boolean nodeAccepts(Cluster cluster) {
    return compiles(
        ConfigSnapshot.newBuilder().setRevision(1).addClusters(TARGET).addClusters(cluster));
  }

  private static boolean compiles(ConfigSnapshot.Builder snapshot) {
    try {
      new RuntimeCompiler().compile(snapshot.build());
      return true;
    } catch (CompileException e) {
      return false;
    }
  }
}
