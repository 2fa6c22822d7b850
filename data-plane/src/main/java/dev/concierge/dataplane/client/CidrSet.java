package dev.concierge.dataplane.client;

import dev.concierge.api.rules.Cidrs;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of CIDR blocks, IPv4 and IPv6, merged into sorted ranges: membership is one binary search
 * without allocation. Immutable, thread-safe.
 */
public final class CidrSet {
  private static final CidrSet EMPTY = new CidrSet(IpRanges.of(List.of(), true), List.of());

  private final IpRanges ranges;
  private final List<String> blocks;

  private CidrSet(IpRanges ranges, List<String> blocks) {
    this.ranges = ranges;
    this.blocks = List.copyOf(blocks);
  }

  /** The empty set: contains nothing. */
  public static CidrSet empty() {
    return EMPTY;
  }

  /**
   * The set of {@code cidrs} ("10.0.0.0/8", "2001:db8::/32").
   *
   * @throws IllegalArgumentException naming the first block that is not valid
   */
  public static CidrSet of(List<String> cidrs) {
    List<IpRanges.Entry> entries = new ArrayList<>();
    for (String cidr : cidrs) {
      String problem = Cidrs.problem(cidr);
      if (problem != null) {
        throw new IllegalArgumentException("\"" + cidr + "\": " + problem);
      }
      entries.add(new IpRanges.Entry(Cidrs.block(cidr), 0));
    }
    return cidrs.isEmpty() ? EMPTY : new CidrSet(IpRanges.of(entries, true), cidrs);
  }

  /** Whether {@code address} is in one of the blocks. */
  public boolean contains(ClientAddress address) {
    return ranges.find(address.high(), address.low()) >= 0;
  }

  /** How many disjoint ranges the blocks merged into (overlapping and adjacent ones join). */
  public int ranges() {
    return ranges.size();
  }

  /** Whether the set has no block. */
  public boolean isEmpty() {
    return ranges.size() == 0;
  }

  @Override
  public String toString() {
    return String.join(",", blocks);
  }
}
