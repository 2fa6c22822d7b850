package dev.concierge.dataplane.access;

import static dev.concierge.dataplane.TestSnapshots.cluster;
import static dev.concierge.dataplane.TestSnapshots.route;
import static dev.concierge.dataplane.TestSnapshots.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
import dev.concierge.dataplane.client.FixedClient;
import dev.concierge.dataplane.runtime.CompileException;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Policies compile once per snapshot into each route's IP access, with the fleet defaults. */
class IpAccessPolicyCompilerTest {
  private final RuntimeCompiler compiler = new RuntimeCompiler();

  private static Policy policy(String id, boolean fleetDefault, IpAccessList.Builder list) {
    return Policy.newBuilder()
        .setName("policies/" + id)
        .setFleetDefault(fleetDefault)
        .setIpAccess(list)
        .build();
  }

  private static Route named(Route route, String... policies) {
    Route.Builder b = route.toBuilder();
    for (String p : policies) {
      b.addPolicies("policies/" + p);
    }
    return b.build();
  }

  private static ConfigSnapshot config(List<Route> routes, Policy... policies) {
    return snapshot(1, List.of(cluster("web", 8081)), routes).toBuilder()
        .addAllPolicies(List.of(policies))
        .build();
  }

  private static IpAccessPolicy access(Runtime runtime, String path) {
    return runtime.routes().find("any", path).policies().get(IpAccessPolicy.KEY);
  }

  private static ClientFacts client(String address) {
    return new FixedClient(ClientAddress.parseHop(address), false);
  }

  @Test
  void aRouteWithoutPoliciesAndNoFleetDefaultGetsTheNullObject() throws Exception {
    Runtime runtime =
        compiler.compile(
            config(
                List.of(route("web", List.of(), null, "web")),
                policy("unused", false, IpAccessList.newBuilder().addDeny("10.0.0.0/8"))));
    assertThat(access(runtime, "/")).isSameAs(IpAccessPolicy.none());
  }

  @Test
  void routePoliciesAndFleetDefaultsMustAllAdmit() throws Exception {
    Runtime runtime =
        compiler.compile(
            config(
                List.of(
                    named(route("office", List.of(), "/office", "web"), "office"),
                    route("web", List.of(), null, "web")),
                policy("blocklist", true, IpAccessList.newBuilder().addDeny("10.66.0.0/16")),
                policy("office", false, IpAccessList.newBuilder().addAllow("10.0.0.0/8"))));

    IpAccessPolicy office = access(runtime, "/office");
    assertThat(office.rules())
        .extracting(IpAccessRule::policy)
        .containsExactly("policies/blocklist", "policies/office");
    assertThat(office.refused(client("10.1.0.1"), null)).isNull();
    assertThat(office.refused(client("10.66.0.1"), null)).hasToString("10.66.0.1");
    assertThat(office.refused(client("192.0.2.1"), null)).hasToString("192.0.2.1");

    // The fleet default applies to a route that names no policy.
    IpAccessPolicy web = access(runtime, "/");
    assertThat(web.rules()).extracting(IpAccessRule::policy).containsExactly("policies/blocklist");
    assertThat(web.refused(client("192.0.2.1"), null)).isNull();
    assertThat(web.refused(client("10.66.1.1"), null)).isNotNull();
  }

  @Test
  void anUnchangedPolicyKeepsItsCompiledRuleAcrossSnapshots() throws Exception {
    Policy office = policy("office", false, IpAccessList.newBuilder().addAllow("10.0.0.0/8"));
    Route route = named(route("web", List.of(), null, "web"), "office");
    IpAccessRule first =
        access(compiler.compile(config(List.of(route), office)), "/").rules().get(0);
    IpAccessRule again =
        access(
                compiler.compile(config(List.of(route.toBuilder().setPriority(3).build()), office)),
                "/")
            .rules()
            .get(0);
    assertThat(again).isSameAs(first);

    Policy changed = policy("office", false, IpAccessList.newBuilder().addAllow("11.0.0.0/8"));
    IpAccessRule updated =
        access(compiler.compile(config(List.of(route), changed)), "/").rules().get(0);
    assertThat(updated).isNotSameAs(first);
    assertThat(updated.admits(ClientAddress.parseHop("11.0.0.1"))).isTrue();
  }

  @Test
  void aPeerListJudgesTheConnectionsPeer() throws Exception {
    Runtime runtime =
        compiler.compile(
            config(
                List.of(named(route("web", List.of(), null, "web"), "cdn")),
                policy(
                    "cdn",
                    false,
                    IpAccessList.newBuilder()
                        .addAllow("198.51.100.0/24")
                        .setSource(IpAccessList.Source.PEER))));
    IpAccessPolicy cdn = access(runtime, "/");
    assertThat(cdn.judgesPeer()).isTrue();
    assertThat(cdn.refused(client("10.0.0.1"), ClientAddress.parseHop("198.51.100.7"))).isNull();
    assertThat(cdn.refused(client("198.51.100.7"), ClientAddress.parseHop("10.0.0.1")))
        .hasToString("10.0.0.1");
  }

  @Test
  void aRouteNamingAMissingPolicyOrABadBlockIsNacked() {
    ConfigSnapshot missing =
        config(List.of(named(route("web", List.of(), null, "web"), "nowhere")));
    assertThatThrownBy(() -> compiler.compile(missing))
        .isInstanceOf(CompileException.class)
        .hasMessageContaining("routes/web.policies[0]: policy \"policies/nowhere\" does not exist");

    ConfigSnapshot bad =
        config(
            List.of(route("web", List.of(), null, "web")),
            policy("bad", true, IpAccessList.newBuilder().addDeny("10.0.0.1/8")));
    assertThatThrownBy(() -> compiler.compile(bad))
        .isInstanceOf(CompileException.class)
        .hasMessageContaining("policies/bad.ip_access.deny[0]");
  }
}
