package dev.concierge.dataplane.access;

import static java.util.Objects.requireNonNull;

import dev.concierge.dataplane.chain.PolicyKey;
import dev.concierge.dataplane.client.ClientAddress;
import dev.concierge.dataplane.client.ClientFacts;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A route's compiled IP access: the rules of the fleet-default policies and of the route's own, all
 * of which must admit a request (so a fleet default is a floor no route lowers). A route without
 * any gets {@link #none()}, which admits everything and costs a slot read. Immutable, thread-safe.
 */
public final class IpAccessPolicy {
  private static final IpAccessPolicy NONE = new IpAccessPolicy(new IpAccessRule[0]);

  /** The key of the policy; a route without one admits every address. */
  public static final PolicyKey<IpAccessPolicy> KEY =
      PolicyKey.of("ip_access", IpAccessPolicy.class, NONE);

  private final IpAccessRule[] rules;
  private final boolean judgesClient;
  private final boolean judgesPeer;

  private IpAccessPolicy(IpAccessRule[] rules) {
    this.rules = rules;
    boolean client = false;
    boolean peer = false;
    for (IpAccessRule rule : rules) {
      client |= !rule.judgesPeer();
      peer |= rule.judgesPeer();
    }
    this.judgesClient = client;
    this.judgesPeer = peer;
  }

  /** Admits everything: the policy of a route with no IP access list. */
  public static IpAccessPolicy none() {
    return NONE;
  }

  /** All of {@code rules} must admit a request; none is {@link #none()}. */
  public static IpAccessPolicy of(List<IpAccessRule> rules) {
    requireNonNull(rules, "rules");
    return rules.isEmpty() ? NONE : new IpAccessPolicy(rules.toArray(new IpAccessRule[0]));
  }

  /** Whether this is {@link #none()}. */
  public boolean isNone() {
    return rules.length == 0;
  }

  /** Whether some rule judges the connection's peer (the caller then passes it). */
  public boolean judgesPeer() {
    return judgesPeer;
  }

  /**
   * The address the first rule that refuses the request judged, or null when every rule admits it.
   * Reads the client's address only when a rule judges it.
   *
   * @param peer the connection's peer; needed only when {@link #judgesPeer()}
   */
  public @Nullable ClientAddress refused(ClientFacts client, @Nullable ClientAddress peer) {
    ClientAddress clientAddress = judgesClient ? client.clientAddress() : null;
    for (IpAccessRule rule : rules) {
      ClientAddress address =
          requireNonNull(rule.judgesPeer() ? peer : clientAddress, "judged address");
      if (!rule.admits(address)) {
        return address;
      }
    }
    return null;
  }

  /** The rules, in the order they are asked. */
  public List<IpAccessRule> rules() {
    return List.of(rules);
  }

  @Override
  public String toString() {
    return rules.length == 0 ? "none" : List.of(rules).toString();
  }
}
