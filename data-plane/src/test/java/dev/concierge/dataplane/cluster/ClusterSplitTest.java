package dev.concierge.dataplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.concierge.dataplane.chain.Meter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class ClusterSplitTest {
  private static CompiledCluster cluster(String name) {
    Endpoint e = new Endpoint("127.0.0.1", 80, 1, 0);
    return new CompiledCluster(
        name, List.of(e), RoundRobinBalancer.of(List.of(e)), Duration.ofSeconds(5), Meter.none());
  }

  @Test
  void splitsInProportionToWeights() {
    CompiledCluster stable = cluster("clusters/stable");
    CompiledCluster canary = cluster("clusters/canary");
    ClusterSplit split =
        ClusterSplit.of(
            List.of(new ClusterSplit.Share(stable, 9), new ClusterSplit.Share(canary, 1)));
    SplittableRandom random = new SplittableRandom(42);

    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 10_000; i++) {
      counts.merge(pick(split, random).name(), 1, Integer::sum);
    }

    assertThat(counts.get("clusters/canary") / 10_000.0).isCloseTo(0.1, within(0.02));
    assertThat(counts.get("clusters/stable") / 10_000.0).isCloseTo(0.9, within(0.02));
  }

  @Test
  void sameSeedGivesSameSequence() {
    ClusterSplit split =
        ClusterSplit.of(
            List.of(
                new ClusterSplit.Share(cluster("clusters/a"), 1),
                new ClusterSplit.Share(cluster("clusters/b"), 1)));
    SplittableRandom r1 = new SplittableRandom(7);
    SplittableRandom r2 = new SplittableRandom(7);

    for (int i = 0; i < 100; i++) {
      assertThat(pick(split, r1).name()).isEqualTo(pick(split, r2).name());
    }
  }

  @Test
  void singleClusterNeedsNoRandom() {
    CompiledCluster only = cluster("clusters/only");
    ClusterSplit split = ClusterSplit.of(List.of(new ClusterSplit.Share(only, 3)));

    assertThat(pick(split, null)).isSameAs(only);
  }

  /** A placement without stickiness: the request plays no part. */
  @SuppressWarnings("NullAway") // a single cluster draws nothing, so no random is needed
  private static CompiledCluster pick(ClusterSplit split, java.util.random.RandomGenerator random) {
    return split.place(HttpFields.EMPTY, false, random).cluster();
  }
}
