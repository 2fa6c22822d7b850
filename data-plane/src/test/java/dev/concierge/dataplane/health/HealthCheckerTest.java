package dev.concierge.dataplane.health;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.HealthCheck;
import dev.concierge.dataplane.cluster.EndpointRegistry;
import dev.concierge.dataplane.cluster.EndpointState;
import dev.concierge.dataplane.runtime.Runtime;
import dev.concierge.dataplane.runtime.RuntimeCompiler;
import dev.concierge.dataplane.stats.TrafficStats;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HealthCheckerTest {
  private static final long MS = 1_000_000L;
  private static final HealthCheck TCP_200MS =
      HealthCheck.newBuilder()
          .setInterval(Durations.fromMillis(200))
          .setTimeout(Durations.fromMillis(100))
          .setHealthyThreshold(2)
          .setUnhealthyThreshold(2)
          .setTcp(HealthCheck.Tcp.getDefaultInstance())
          .build();

  private final AtomicLong clock = new AtomicLong();
  private final ManualTimer timer = new ManualTimer();
  private final List<Probe> probes = new ArrayList<>();
  private final EndpointRegistry registry = new EndpointRegistry();
  private final RuntimeCompiler compiler = new RuntimeCompiler(registry, new TrafficStats());
  private final Prober prober =
      (endpoint, policy, done) -> probes.add(new Probe(endpoint.address(), done));
  private final HealthChecker checker =
      new HealthChecker(timer, prober, prober, new SplittableRandom(7), clock::get, () -> {});

  @Test
  void aClusterWithoutACheckSchedulesNothing() throws Exception {
    checker.update(runtime(cluster("clusters/web", null, 1, 2)));
    assertThat(checker.checkedEndpoints()).isZero();
    assertThat(timer.tasks).isEmpty();
  }

  @Test
  void marksAnEndpointUnhealthyAfterTheThresholdAndHealthyAgain() throws Exception {
    checker.update(runtime(cluster("clusters/web", TCP_200MS, 1, 2)));
    assertThat(checker.checkedEndpoints()).isEqualTo(2);
    EndpointState one = registry.cluster("clusters/web").endpoint("127.0.0.1:1");

    assertThat(one.isMonitored()).isTrue();
    assertThat(one.isChecked()).as("unknown until its first result").isFalse();

    // Each endpoint's first check falls within the first interval.
    runUntil(200 * MS);
    assertThat(probes).hasSize(2);
    pass("127.0.0.1:1");
    pass("127.0.0.1:2");
    assertThat(one.isChecked()).isTrue();
    runUntil(400 * MS);
    fail("127.0.0.1:1");
    pass("127.0.0.1:2");
    assertThat(one.isAvailable()).isTrue(); // one failure of two
    runUntil(600 * MS);
    assertThat(probes).hasSize(2);
    fail("127.0.0.1:1");
    pass("127.0.0.1:2");
    assertThat(one.isAvailable()).isFalse();

    runUntil(800 * MS);
    pass("127.0.0.1:1");
    pass("127.0.0.1:2");
    assertThat(one.isAvailable()).isFalse();
    runUntil(1000 * MS);
    pass("127.0.0.1:1");
    assertThat(one.isAvailable()).isTrue();
  }

  @Test
  void anUnknownEndpointsFirstFailureTakesItOutAtOnce() throws Exception {
    checker.update(runtime(cluster("clusters/web", TCP_200MS, 1)));
    EndpointState one = registry.cluster("clusters/web").endpoint("127.0.0.1:1");
    assertThat(one.isAvailable()).isTrue();
    runUntil(200 * MS);
    fail("127.0.0.1:1");
    assertThat(one.isAvailable()).isFalse();
  }

  @Test
  void aSwapWithTheSameCheckKeepsTheScheduleAndARemovedCheckClearsTheVerdict() throws Exception {
    checker.update(runtime(cluster("clusters/web", TCP_200MS, 1)));
    EndpointState one = registry.cluster("clusters/web").endpoint("127.0.0.1:1");
    runUntil(200 * MS);
    pass("127.0.0.1:1");
    runUntil(400 * MS);
    fail("127.0.0.1:1");
    checker.update(runtime(cluster("clusters/web", TCP_200MS, 1)));
    assertThat(timer.tasks).hasSize(1); // the schedule in place, no second one
    runUntil(600 * MS);
    fail("127.0.0.1:1");
    assertThat(one.isHealthy()).isFalse(); // the count went on across the swap

    checker.update(runtime(cluster("clusters/web", null, 1)));
    assertThat(one.isHealthy()).isTrue();
    assertThat(one.isMonitored()).isFalse();
    assertThat(timer.tasks).isEmpty();
    assertThat(checker.checkedEndpoints()).isZero();
  }

  @Test
  void aChangedCheckStartsOverAndAResultOfTheOldOneIsIgnored() throws Exception {
    checker.update(runtime(cluster("clusters/web", TCP_200MS, 1)));
    EndpointState one = registry.cluster("clusters/web").endpoint("127.0.0.1:1");
    runUntil(200 * MS);
    pass("127.0.0.1:1"); // known healthy: thresholds apply from here
    runUntil(400 * MS);
    Probe stale = probes.remove(0);
    checker.update(
        runtime(
            cluster("clusters/web", TCP_200MS.toBuilder().setUnhealthyThreshold(1).build(), 1)));
    stale.done.passed(false);
    assertThat(one.isHealthy()).isTrue();
    runUntil(600 * MS);
    fail("127.0.0.1:1");
    assertThat(one.isHealthy()).isFalse(); // threshold 1 now
  }

  @Test
  void closingCancelsEverySchedule() throws Exception {
    checker.update(runtime(cluster("clusters/web", TCP_200MS, 1, 2, 3)));
    checker.close();
    assertThat(timer.tasks).isEmpty();
    checker.update(runtime(cluster("clusters/web", TCP_200MS, 1)));
    assertThat(timer.tasks).isEmpty();
  }

  private void fail(String address) {
    take(address).done.passed(false);
  }

  private void pass(String address) {
    take(address).done.passed(true);
  }

  private Probe take(String address) {
    for (int i = 0; i < probes.size(); i++) {
      if (probes.get(i).address.equals(address)) {
        return probes.remove(i);
      }
    }
    throw new AssertionError("no check of " + address + " in flight: " + probes);
  }

  /** Runs every task due by {@code nanos}, in time order, moving the clock along. */
  private void runUntil(long nanos) {
    while (true) {
      Task next = timer.tasks.stream().min(Comparator.comparingLong(t -> t.at)).orElse(null);
      if (next == null || next.at > nanos) {
        break;
      }
      timer.tasks.remove(next);
      clock.set(next.at);
      next.task.run();
    }
    clock.set(nanos);
  }

  private Runtime runtime(Cluster cluster) throws Exception {
    return compiler.compile(
        ConfigSnapshot.newBuilder().setRevision(1).addClusters(cluster).build());
  }

  private static Cluster cluster(String name, HealthCheck check, int... ports) {
    Cluster.Builder cluster = Cluster.newBuilder().setName(name);
    for (int port : ports) {
      cluster.addEndpointsBuilder().setHost("127.0.0.1").setPort(port);
    }
    if (check != null) {
      cluster.setHealthCheck(check);
    }
    return cluster.build();
  }

  private record Probe(String address, Prober.Result done) {}

  private record Task(long at, Runnable task) {}

  private final class ManualTimer implements CheckTimer {
    final List<Task> tasks = new ArrayList<>();

    @Override
    public Scheduled schedule(Runnable task, long delayNanos) {
      Task t = new Task(clock.get() + delayNanos, task);
      tasks.add(t);
      return () -> tasks.remove(t);
    }
  }
}
