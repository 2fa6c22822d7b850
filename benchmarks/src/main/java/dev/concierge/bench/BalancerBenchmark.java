package dev.concierge.bench;

import dev.concierge.dataplane.cluster.BalancingPolicy;
import dev.concierge.dataplane.cluster.ClusterState;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.LoadBalancer;
import dev.concierge.dataplane.cluster.SlowStartPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One first-try {@link LoadBalancer#pick} per policy over {@code endpoints} weighted endpoints of
 * one priority level, with the seed a request would bring (a fresh 64-bit value each call, drawn
 * from a precomputed table so the draw itself is not measured). {@code extras}: {@code none};
 * {@code panic}, a panic threshold of 50 % not in panic (a one-level priority wrapper); {@code
 * slowstart}, slow start configured but no endpoint ramping; {@code ramping}, the first endpoint
 * ramping in a one-hour window (hashing policies ignore slow start).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BalancerBenchmark {
  private static final int SEEDS = 4096;

  @Param({"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH", "MAGLEV"})
  String policy = "ROUND_ROBIN";

  @Param({"3", "100"})
  int endpoints;

  @Param({"none", "panic", "slowstart", "ramping"})
  String extras = "none";

  private LoadBalancer balancer;
  private final long[] seeds = new long[SEEDS];
  private int next;

  @Setup
  public void setUp() {
    ClusterState cluster = new ClusterState();
    List<Endpoint> members = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      String host = "10.0." + (i / 250) + "." + (i % 250 + 1);
      members.add(
          new Endpoint(host, 8080, 1 + i % 3, 0, cluster.endpoint(Endpoint.addressOf(host, 8080))));
    }
    SlowStartPolicy slowStart =
        extras.equals("slowstart") || extras.equals("ramping")
            ? new SlowStartPolicy(Duration.ofHours(1), 0.1, 1.0)
            : SlowStartPolicy.NONE;
    int panicThreshold = extras.equals("panic") ? 50 : 0;
    if (extras.equals("ramping")) {
      members.get(0).state().setHealthy(false);
    }
    balancer =
        BalancingPolicy.valueOf(policy).balancer(members, cluster, 140, panicThreshold, slowStart);
    members.get(0).state().setHealthy(true); // comes back: ramps when slow start is on
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < SEEDS; i++) {
      seeds[i] = random.nextLong();
    }
  }

  @Benchmark
  public @Nullable Endpoint pick() {
    long seed = seeds[next++ & (SEEDS - 1)];
    return balancer.pick(seed, null, 0);
  }
}
