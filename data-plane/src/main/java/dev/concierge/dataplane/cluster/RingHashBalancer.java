package dev.concierge.dataplane.cluster;

import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Consistent hashing on a ring, ketama-style: each endpoint owns points at the hashes of {@code
 * "address_0"}, {@code "address_1"}, … in proportion to its weight ({@value #POINTS_PER_ENDPOINT}
 * per endpoint on average, at least {@value #MIN_RING} and at most {@value #MAX_RING} in all), and
 * a request key goes to the owner of the first point at or after its hash (binary search). Points
 * depend only on addresses, so removing one of N endpoints moves only the keys it owned, about 1/N,
 * and every node builds the same ring. A key whose endpoint is unavailable or tried walks on to the
 * next point's owner. Immutable; thread-safe.
 */
public final class RingHashBalancer implements LevelBalancer {
  static final int MIN_RING = 1024;
  static final int MAX_RING = 1 << 17;
  static final int POINTS_PER_ENDPOINT = 160;

  private final Endpoint[] endpoints;
  private final long[] points;
  private final int[] owners;

  private RingHashBalancer(Endpoint[] endpoints, long[] points, int[] owners) {
    this.endpoints = endpoints;
    this.points = points;
    this.owners = owners;
  }

  /** Builds the ring of {@code endpoints}; an empty list picks nothing. */
  public static RingHashBalancer of(List<Endpoint> endpoints) {
    Endpoint[] all = endpoints.toArray(Endpoint[]::new);
    long totalWeight = 0;
    for (Endpoint e : all) {
      totalWeight += e.weight();
    }
    long size = Math.max(MIN_RING, Math.min(MAX_RING, (long) POINTS_PER_ENDPOINT * all.length));
    int[] counts = new int[all.length];
    int total = 0;
    for (int i = 0; i < all.length; i++) {
      counts[i] = (int) Math.max(1, Math.round((double) size * all[i].weight() / totalWeight));
      total += counts[i];
    }
    long[] hashes = new long[total];
    int[] byHash = new int[total];
    int at = 0;
    for (int i = 0; i < all.length; i++) {
      String address = all[i].address();
      for (int k = 0; k < counts[i]; k++) {
        hashes[at] = Picks.hash(address + "_" + k);
        byHash[at] = i;
        at++;
      }
    }
    Integer[] order = new Integer[total];
    for (int i = 0; i < total; i++) {
      order[i] = i;
    }
    // Ties (equal hashes, practically never) go to the lower address so every node agrees.
    Arrays.sort(
        order,
        (x, y) -> {
          int c = Long.compare(hashes[x], hashes[y]);
          return c != 0 ? c : all[byHash[x]].address().compareTo(all[byHash[y]].address());
        });
    long[] points = new long[total];
    int[] owners = new int[total];
    for (int i = 0; i < total; i++) {
      points[i] = hashes[order[i]];
      owners[i] = byHash[order[i]];
    }
    return new RingHashBalancer(all, points, owners);
  }

  @Override
  public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
    if (points.length == 0) {
      return null;
    }
    int i = Arrays.binarySearch(points, seed);
    if (i < 0) {
      i = -i - 1;
    }
    if (i == points.length) {
      i = 0; // past the last point: the ring wraps around
    }
    return Picks.walk(endpoints, owners, i, tried, triedCount);
  }

  /** Points on the ring (tests). */
  int size() {
    return points.length;
  }

  @Override
  public List<Endpoint> candidates() {
    return List.of(endpoints);
  }

  @Override
  public LoadBalancer ignoringHealth() {
    return new Panicking();
  }

  /** The same table in panic: a key keeps its endpoint whatever its health, unless tried. */
  private final class Panicking implements LoadBalancer {
    @Override
    public @Nullable Endpoint pick(long seed, Endpoint @Nullable [] tried, int triedCount) {
      if (points.length == 0) {
        return null;
      }
      int i = Arrays.binarySearch(points, seed);
      if (i < 0) {
        i = -i - 1;
      }
      if (i == points.length) {
        i = 0;
      }
      return Picks.walkIgnoringHealth(endpoints, owners, i, tried, triedCount);
    }

    @Override
    public List<Endpoint> candidates() {
      return List.of(endpoints);
    }
  }
}
