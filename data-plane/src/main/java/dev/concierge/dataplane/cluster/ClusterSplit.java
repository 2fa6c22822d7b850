package dev.concierge.dataplane.cluster;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.jspecify.annotations.Nullable;

/**
 * A route's weighted choice between clusters, optionally sticky ({@link SplitStickiness}); built
 * once per runtime, read-only afterwards. Clusters of weight 0 (drained) are left out: a sticky
 * client whose cluster was drained or removed is placed anew. Every {@link Placement} is built
 * here, so placing a request allocates nothing.
 */
public final class ClusterSplit {
  private final CompiledCluster[] clusters;
  private final long[] cumulative;
  private final Placement[] plain;
  private final @Nullable SplitStickiness stickiness;
  // Cookie stickiness: per cluster, its token and the placements that set the cookie.
  private final String @Nullable [] tokens;
  private final Placement @Nullable [] cookieSet;
  private final Placement @Nullable [] secureCookieSet;

  /** A weighted cluster and its share; 0 drains it. */
  public record Share(CompiledCluster cluster, int weight) {
    public Share {
      if (weight < 0) {
        throw new IllegalArgumentException("weight must not be negative: " + weight);
      }
    }
  }

  /**
   * Where a request goes, and the Set-Cookie field that keeps its client there (null when none is
   * to be set). Built once per cluster by the split.
   */
  public record Placement(CompiledCluster cluster, @Nullable HttpField setCookie) {}

  private ClusterSplit(List<Share> shares, @Nullable SplitStickiness stickiness) {
    List<Share> live = new ArrayList<>();
    for (Share share : shares) {
      if (share.weight() > 0) {
        live.add(share);
      }
    }
    if (live.isEmpty()) {
      throw new IllegalArgumentException("a split needs a cluster of weight above 0");
    }
    int n = live.size();
    clusters = new CompiledCluster[n];
    cumulative = new long[n];
    plain = new Placement[n];
    long sum = 0;
    for (int i = 0; i < n; i++) {
      clusters[i] = live.get(i).cluster();
      sum += live.get(i).weight();
      cumulative[i] = sum;
      plain[i] = new Placement(clusters[i], null);
    }
    this.stickiness = stickiness;
    if (stickiness instanceof SplitStickiness.Cookie cookie) {
      tokens = new String[n];
      cookieSet = new Placement[n];
      secureCookieSet = new Placement[n];
      for (int i = 0; i < n; i++) {
        tokens[i] = cookie.token(clusters[i].name());
        cookieSet[i] =
            new Placement(
                clusters[i],
                new HttpField(HttpHeader.SET_COOKIE, cookie.setCookie(tokens[i], false)));
        secureCookieSet[i] =
            new Placement(
                clusters[i],
                new HttpField(HttpHeader.SET_COOKIE, cookie.setCookie(tokens[i], true)));
      }
    } else {
      tokens = null;
      cookieSet = null;
      secureCookieSet = null;
    }
  }

  /** Builds a split without stickiness; {@code shares} must hold a cluster above weight 0. */
  public static ClusterSplit of(List<Share> shares) {
    return new ClusterSplit(shares, null);
  }

  /** Builds a split with {@code stickiness}, none when null. */
  public static ClusterSplit of(List<Share> shares, @Nullable SplitStickiness stickiness) {
    return new ClusterSplit(shares, stickiness);
  }

  /**
   * Places {@code request}: without stickiness by weight (a single cluster draws nothing); with a
   * cookie, on the cluster its valid cookie names (no Set-Cookie), else by weight with the cookie
   * to set; with a header, by the hash of its value mapped onto the weights (by weight at random
   * without the header).
   */
  public Placement place(Request request, RandomGenerator random) {
    if (stickiness == null) {
      return plain[drawIndex(random)];
    }
    return place(request.getHeaders(), request.isSecure(), random);
  }

  /** {@link #place(Request, RandomGenerator)} on a request's headers; secure when over TLS. */
  Placement place(HttpFields headers, boolean secure, RandomGenerator random) {
    if (stickiness == null) {
      return plain[drawIndex(random)];
    }
    if (stickiness instanceof SplitStickiness.Header header) {
      String value = headers.get(header.name);
      return plain[value == null ? drawIndex(random) : hashIndex(Picks.hash(value))];
    }
    SplitStickiness.Cookie cookie = (SplitStickiness.Cookie) stickiness;
    int kept = cookieIndex(headers, cookie.name);
    if (kept >= 0) {
      return plain[kept];
    }
    int index = drawIndex(random);
    Placement[] set = secure ? secureCookieSet : cookieSet;
    return requireNonNull(set)[index];
  }

  /** The index of the cluster the request's sticky cookie names, or -1. */
  private int cookieIndex(HttpFields headers, String name) {
    String line = CookieValues.line(headers, name);
    if (line == null) {
      return -1;
    }
    long range = CookieValues.range(line, name);
    int from = CookieValues.from(range);
    int length = CookieValues.to(range) - from;
    String[] known = requireNonNull(tokens);
    for (int i = 0; i < known.length; i++) {
      if (known[i].length() == length && line.regionMatches(from, known[i], 0, length)) {
        return i;
      }
    }
    return -1;
  }

  private int drawIndex(RandomGenerator random) {
    if (clusters.length == 1) {
      return 0;
    }
    return index(random.nextLong(cumulative[cumulative.length - 1]));
  }

  /** The cluster a 64-bit hash lands on: the same hash, the same cluster while weights hold. */
  int hashIndex(long hash) {
    return index(Long.remainderUnsigned(Picks.mix(hash), cumulative[cumulative.length - 1]));
  }

  private int index(long ticket) {
    for (int i = 0; i < cumulative.length; i++) {
      if (ticket < cumulative[i]) {
        return i;
      }
    }
    return cumulative.length - 1;
  }

  /** The clusters of the split that take requests (weight above 0), in configuration order. */
  public List<CompiledCluster> clusters() {
    return List.of(clusters);
  }
}
