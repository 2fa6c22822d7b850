package dev.concierge.dataplane.routing;

import dev.concierge.dataplane.client.CidrSet;
import dev.concierge.dataplane.client.ClientFacts;
import java.util.List;

/**
 * The client's address is in one of a route's CIDR blocks (merged into sorted ranges: one binary
 * search, no allocation). Immutable, thread-safe.
 */
public final class SourcePredicate extends ClientPredicate {
  private final CidrSet blocks;

  private SourcePredicate(CidrSet blocks) {
    this.blocks = blocks;
  }

  /** The predicate of blocks that passed the rules. */
  public static SourcePredicate of(List<String> cidrs) {
    return new SourcePredicate(CidrSet.of(cidrs));
  }

  @Override
  boolean test(ClientFacts client) {
    return blocks.contains(client.clientAddress());
  }

  @Override
  public String toString() {
    return "source " + blocks;
  }
}
