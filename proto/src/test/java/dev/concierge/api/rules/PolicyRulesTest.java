package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.IpAccessList;
import dev.concierge.api.v1.Policy;
import dev.concierge.api.v1.Route;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRulesTest {
  private static List<String> violations(Policy.Builder policy) {
    List<String> found = new ArrayList<>();
    PolicyRules.check(policy.build(), "policy", (f, why) -> found.add(f + ": " + why));
    return found;
  }

  private static Policy.Builder ipAccess(IpAccessList.Builder list) {
    return Policy.newBuilder().setName("policies/office").setIpAccess(list);
  }

  @Test
  void acceptsAllowAndDenyListsOfBothFamilies() {
    assertThat(
            violations(
                ipAccess(
                    IpAccessList.newBuilder()
                        .addAllow("10.0.0.0/8")
                        .addAllow("2001:db8::/32")
                        .addAllow("0.0.0.0/0")
                        .addDeny("10.66.0.0/16")
                        .addDeny("::1/128")
                        .setSource(IpAccessList.Source.PEER))))
        .isEmpty();
    assertThat(violations(ipAccess(IpAccessList.newBuilder().addDeny("192.0.2.1/32")))).isEmpty();
  }

  @Test
  void namesEveryBadBlockWithItsIndex() {
    assertThat(
            violations(
                ipAccess(
                    IpAccessList.newBuilder()
                        .addAllow("10.0.0.0/8")
                        .addAllow("10.0.0.1/8")
                        .addDeny("example.com/24")
                        .addDeny("10.0.0.0/33")
                        .addDeny("10.0.0.0"))))
        .containsExactly(
            "policy.ip_access.allow[1]: has address bits set after the first 8: write the block's"
                + " first address",
            "policy.ip_access.deny[0]: \"example.com\" is not an IPv4 or IPv6 address",
            "policy.ip_access.deny[1]: the prefix length must be 0-32",
            "policy.ip_access.deny[2]: \"10.0.0.0\" is not a CIDR block (ADDRESS/BITS)");
  }

  @Test
  void manyBadBlocksAreReportedFirstTwentyAndCounted() {
    IpAccessList.Builder list = IpAccessList.newBuilder();
    for (int i = 0; i < 25; i++) {
      list.addDeny("nope" + i);
    }
    List<String> found = violations(ipAccess(list));
    assertThat(found).hasSize(21);
    assertThat(found.get(20))
        .isEqualTo("policy.ip_access.deny: 5 more blocks are not valid CIDR blocks");
  }

  @Test
  void needsAKindAndAListAndCapsTheBlocks() {
    assertThat(violations(Policy.newBuilder().setName("policies/x")))
        .containsExactly(
            "policy.ip_access: a policy kind is required: set ip_access, rate_limit, cors, jwt_auth or connection_limits");
    assertThat(violations(ipAccess(IpAccessList.newBuilder())))
        .containsExactly("policy.ip_access.allow: give allow or deny blocks (or both)");
    IpAccessList.Builder big = IpAccessList.newBuilder();
    for (int i = 0; i <= IpAccessRules.MAX_BLOCKS; i++) {
      big.addDeny("10.0.0.0/8");
    }
    assertThat(violations(ipAccess(big)))
        .containsExactly(
            "policy.ip_access: at most 100000 blocks in allow and deny together, not 100001");
    assertThat(violations(ipAccess(IpAccessList.newBuilder().addDeny("::/0").setSourceValue(9))))
        .containsExactly(
            "policy.ip_access.source: unknown value 9 (one of SOURCE_UNSPECIFIED, CLIENT, PEER)");
    assertThat(
            violations(
                ipAccess(IpAccessList.newBuilder().addDeny("::/0"))
                    .setDescription("x".repeat(257))))
        .containsExactly("policy.description: must be at most 256 characters");
  }

  @Test
  void routesNamePoliciesThatExistOnceEach() {
    Route route =
        Route.newBuilder()
            .setName("routes/web")
            .addPolicies("policies/office")
            .addPolicies("policies/office")
            .addPolicies("office")
            .addPolicies("policies/gone")
            .build();
    List<String> names = new ArrayList<>();
    PolicyRules.checkRouteNames(route, "route", (f, why) -> names.add(f + ": " + why));
    assertThat(names)
        .containsExactly(
            "route.policies[1]: duplicates policies[0]",
            "route.policies[2]: \"office\" must be \"policies/{id}\" where the id "
                + ResourceIds.RULE);

    List<String> references = new ArrayList<>();
    PolicyRules.checkReferences(
        ConfigSnapshot.newBuilder()
            .addRoutes(route)
            .addPolicies(ipAccess(IpAccessList.newBuilder().addDeny("::/0")))
            .build(),
        (f, why) -> references.add(f + ": " + why));
    assertThat(references)
        .containsExactly("routes/web.policies[3]: policy \"policies/gone\" does not exist");
  }
}
