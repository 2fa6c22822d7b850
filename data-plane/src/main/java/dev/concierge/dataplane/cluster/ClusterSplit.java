package dev.concierge.dataplane.cluster;

import java.util.List;
import java.util.random.RandomGenerator;

/** A route's weighted choice between clusters; built once per runtime, read-only afterwards. */
public final class ClusterSplit {
  private final CompiledCluster[] clusters;
  private final long[] cumulative;

  private ClusterSplit(CompiledCluster[] clusters, long[] cumulative) {
    this.clusters = clusters;
    this.cumulative = cumulative;
  }

  /** A weighted cluster and its share (at least 1). */
  public record Share(CompiledCluster cluster, int weight) {
    public Share {
      if (weight < 1) {
        throw new IllegalArgumentException("weight must be at least 1: " + weight);
      }
    }
  }

  /** Builds a split; {@code shares} must not be empty. */
  public static ClusterSplit of(List<Share> shares) {
    if (shares.isEmpty()) {
      throw new IllegalArgumentException("a split needs at least one cluster");
    }
    CompiledCluster[] clusters = new CompiledCluster[shares.size()];
    long[] cumulative = new long[shares.size()];
    long sum = 0;
    for (int i = 0; i < clusters.length; i++) {
      clusters[i] = shares.get(i).cluster();
      sum += shares.get(i).weight();
      cumulative[i] = sum;
    }
    return new ClusterSplit(clusters, cumulative);
  }

  /** Picks a cluster in proportion to the weights; a single cluster needs no random number. */
  public CompiledCluster pick(RandomGenerator random) {
    if (clusters.length == 1) {
      return clusters[0];
    }
    long ticket = random.nextLong(cumulative[cumulative.length - 1]);
    for (int i = 0; i < cumulative.length; i++) {
      if (ticket < cumulative[i]) {
        return clusters[i];
      }
    }
    return clusters[clusters.length - 1];
  }

  /** The clusters of the split, in configuration order. */
  public List<CompiledCluster> clusters() {
    return List.of(clusters);
  }
}
