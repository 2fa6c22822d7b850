package dev.concierge.bench;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.RouteMatch;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.dataplane.routing.CompiledRoute;
import dev.concierge.dataplane.routing.RouteTable;
import dev.concierge.dataplane.runtime.CompileException;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
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
 * {@link RouteTable#find} on a table compiled from a snapshot of {@code routes} routes spread over
 * ten exact hosts, a wildcard and a catch-all, each host with path prefixes of several lengths.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RouteLookupBenchmark {
  @Param({"10", "1000", "10000"})
  int routes;

  private RouteTable table;

  @Setup
  public void setUp() throws CompileException {
    ConfigSnapshot.Builder snapshot =
        ConfigSnapshot.newBuilder()
            .setRevision(1)
            .addClusters(
                Cluster.newBuilder()
                    .setName("clusters/web")
                    .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(8081)));
    for (int i = 0; i < routes; i++) {
      RouteMatch.Builder match = RouteMatch.newBuilder();
      switch (i % 12) {
        case 10 -> match.addHosts("*.example.com");
        case 11 -> {} // any host
        default -> match.addHosts("host" + (i % 10) + ".example.com");
      }
      match.setPathPrefix("/api/v" + (i / 12) + "/items");
      snapshot.addRoutes(
          Route.newBuilder()
              .setName("routes/r" + i)
              .setMatch(match)
              .setForward(
                  ForwardAction.newBuilder()
                      .addClusters(WeightedCluster.newBuilder().setCluster("clusters/web"))));
    }
    snapshot.addRoutes(
        Route.newBuilder()
            .setName("routes/root")
            .setMatch(RouteMatch.newBuilder().setPathPrefix("/"))
            .setForward(
                ForwardAction.newBuilder()
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/web"))));
    table = new RuntimeCompiler().compile(snapshot.build()).routes();
  }

  /** An exact host with a port, a deep path under one of its prefixes. */
  @Benchmark
  public @Nullable CompiledRoute exactHostPrefix() {
    return table.find("host3.example.com:8080", "/api/v0/items/42/details");
  }

  /** A name only a wildcard covers: the exact tier misses, the wildcard tier answers. */
  @Benchmark
  public @Nullable CompiledRoute wildcardHost() {
    return table.find("Shop.Example.com", "/api/v0/items/42");
  }

  /** An unknown host falling through to the catch-all route. */
  @Benchmark
  public @Nullable CompiledRoute catchAll() {
    return table.find("127.0.0.1:8080", "/index.html");
  }
}
