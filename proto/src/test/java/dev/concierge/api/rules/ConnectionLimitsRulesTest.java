package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.ConnectionLimits;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionLimitsRulesTest {
  private static List<String> violations(Policy.Builder policy) {
    List<String> found = new ArrayList<>();
    PolicyRules.check(policy.build(), "policy", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static List<String> violations(ConfigSnapshot snapshot) {
    List<String> found = new ArrayList<>();
    SnapshotRules.check(snapshot, (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static Policy.Builder limits(ConnectionLimits.Builder limits) {
    return Policy.newBuilder()
        .setName("policies/edge-limits")
        .setFleetDefault(true)
        .setConnectionLimits(limits);
  }

  @Test
  void acceptsEveryLimitWithinRange() {
    assertThat(
            violations(
                limits(
                    ConnectionLimits.newBuilder()
                        .setMaxConnectionsPerAddress(100)
                        .setMaxConnections(10_000)
                        .setMaxRequestsPerConnection(1000)
                        .setMaxHeaderCount(100)
                        .setMaxHeaderBytes(16_384)
                        .setMaxUriLength(8192))))
        .isEmpty();
    assertThat(violations(limits(ConnectionLimits.newBuilder().setMaxUriLength(8192)))).isEmpty();
  }

  @Test
  void refusesAPolicyThatIsNoFleetDefault() {
    assertThat(
            violations(
                limits(ConnectionLimits.newBuilder().setMaxConnectionsPerAddress(100))
                    .setFleetDefault(false)))
        .containsExactly(
            "policy.fleet_default: connection limits apply to the nodes' listeners, not to a"
                + " route: set fleet_default");
  }

  @Test
  void refusesAPolicyWithoutALimit() {
    assertThat(violations(limits(ConnectionLimits.newBuilder())))
        .containsExactly("policy.connection_limits: set at least one limit");
  }

  @Test
  void namesEveryLimitOutOfRange() {
    assertThat(
            violations(
                limits(
                    ConnectionLimits.newBuilder()
                        .setMaxConnectionsPerAddress(200)
                        .setMaxConnections(100)
                        .setMaxRequestsPerConnection(-1)
                        .setMaxHeaderCount(10_001)
                        .setMaxHeaderBytes(512)
                        .setMaxUriLength(8))))
        .containsExactly(
            "policy.connection_limits.max_connections_per_address: must not exceed"
                + " max_connections (100), not 200",
            "policy.connection_limits.max_requests_per_connection: must be 1-2,147,483,647 (or"
                + " 0: no limit), not 4294967295",
            "policy.connection_limits.max_header_count: must be 1-10,000 (or 0: no limit), not"
                + " 10001",
            "policy.connection_limits.max_header_bytes: must be 1,024-1,048,576 (or 0: no limit),"
                + " not 512",
            "policy.connection_limits.max_uri_length: must be 16-512 (the request line counts"
                + " towards max_header_bytes), not 8");
  }

  @Test
  void aUriLimitPastTheDefaultHeadSizeNamesTheDefault() {
    assertThat(violations(limits(ConnectionLimits.newBuilder().setMaxUriLength(10_000))))
        .containsExactly(
            "policy.connection_limits.max_uri_length: must be 16-8192 (the request line counts"
                + " towards max_header_bytes, 8192 by default), not 10000");
  }

  @Test
  void refusesASecondPolicyAndARouteNamingOne() {
    ConfigSnapshot snapshot =
        ConfigSnapshot.newBuilder()
            .addPolicies(
                limits(ConnectionLimits.newBuilder().setMaxConnectionsPerAddress(100))
                    .setName("policies/a"))
            .addPolicies(
                limits(ConnectionLimits.newBuilder().setMaxHeaderCount(100)).setName("policies/b"))
            .addRoutes(Route.newBuilder().setName("routes/web").addPolicies("policies/a"))
            .build();
    List<String> found = new ArrayList<>();
    ConnectionLimitsRules.checkSnapshot(snapshot, (f, why) -> found.add(f + ": " + why));

    assertThat(found)
        .containsExactly(
            "policies/b.connection_limits: at most one connection-limits policy; policies/a"
                + " already is one",
            "routes/web.policies[0]: policies/a limits connections, which every route shares: it"
                + " applies as the fleet default and no route names it");
    assertThat(violations(snapshot)).containsAll(found);
  }
}
