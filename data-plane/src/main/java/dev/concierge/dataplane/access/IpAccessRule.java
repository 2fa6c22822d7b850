package dev.concierge.dataplane.access;

import static java.util.Objects.requireNonNull;

import dev.concierge.api.v1.IpAccessList;
import dev.concierge.dataplane.client.CidrSet;
import dev.concierge.dataplane.client.ClientAddress;

/**
 * One policy's IP access list, compiled: allow and deny blocks merged into sorted ranges (one
 * binary search each, no allocation), and which address it judges. The deny list wins; a non-empty
 * allow list admits only what it holds (nginx's allow/deny, Envoy's RBAC). Immutable, thread-safe.
 */
public final class IpAccessRule {
  private final String policy;
  private final CidrSet allow;
  private final CidrSet deny;
  private final boolean judgesPeer;

  private IpAccessRule(String policy, CidrSet allow, CidrSet deny, boolean judgesPeer) {
    this.policy = requireNonNull(policy, "policy");
    this.allow = requireNonNull(allow, "allow");
    this.deny = requireNonNull(deny, "deny");
    this.judgesPeer = judgesPeer;
  }

  /** The rule of the policy named {@code policy}, whose list passed the shared rules. */
  public static IpAccessRule of(String policy, IpAccessList list) {
    return new IpAccessRule(
        policy,
        CidrSet.of(list.getAllowList()),
        CidrSet.of(list.getDenyList()),
        list.getSource() == IpAccessList.Source.PEER);
  }

  /** The policy's name, for messages. */
  public String policy() {
    return policy;
  }

  /**
   * Whether the rule judges the connection's peer rather than the client behind trusted proxies.
   */
  public boolean judgesPeer() {
    return judgesPeer;
  }

  /** Whether {@code address} may pass. */
  public boolean admits(ClientAddress address) {
    if (deny.contains(address)) {
      return false;
    }
    return allow.isEmpty() || allow.contains(address);
  }

  @Override
  public String toString() {
    return policy + " (allow " + allow + "; deny " + deny + (judgesPeer ? "; peer)" : ")");
  }
}
