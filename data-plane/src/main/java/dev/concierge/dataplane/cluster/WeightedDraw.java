package dev.concierge.dataplane.cluster;

import java.util.Arrays;
import java.util.List;

/**
 * Draws an index in proportion to the endpoints' weights from 32 random bits: a multiply when all
 * weights are equal, else a binary search of the cumulative weights. Immutable.
 */
final class WeightedDraw {
  private final int count;
  private final long total;
  private final long[] cumulative; // empty when all weights are equal

  WeightedDraw(List<Endpoint> endpoints) {
    count = endpoints.size();
    long sum = 0;
    long[] c = new long[count];
    boolean equal = true;
    for (int i = 0; i < count; i++) {
      sum += endpoints.get(i).weight();
      c[i] = sum;
      equal &= endpoints.get(i).weight() == endpoints.get(0).weight();
    }
    total = sum;
    cumulative = equal ? new long[0] : c;
  }

  /** An index in [0, count), endpoint i with probability weight(i) / total weight. */
  int index(int bits) {
    if (cumulative.length == 0) {
      return Picks.below(bits, count);
    }
    long ticket = ((bits & 0xffffffffL) * total) >>> 32;
    // The first cumulative weight above the ticket.
    int i = Arrays.binarySearch(cumulative, ticket + 1);
    return i >= 0 ? i : -i - 1;
  }
}
