package dev.concierge.bench;

import dev.concierge.dataplane.cluster.BalancingPolicy;
import dev.concierge.dataplane.cluster.ClusterState;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.LoadBalancer;
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
 * from a precomputed table so the draw itself is not measured).
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

  private LoadBalancer balancer;
  private final long[] seeds = new long[SEEDS];
  private int next;

  @Setup
  public void setUp() {
    List<Endpoint> members = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      members.add(new Endpoint("10.0." + (i / 250) + "." + (i % 250 + 1), 8080, 1 + i % 3, 0));
    }
    balancer = BalancingPolicy.valueOf(policy).balancer(members, new ClusterState(), 140);
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
