package dev.concierge.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.time.ProtoTime;
import dev.concierge.api.v1.EndpointHealth;
import dev.concierge.api.v1.HealthState;
import dev.concierge.dataplane.chain.Meter;
import dev.concierge.dataplane.cluster.CompiledCluster;
import dev.concierge.dataplane.cluster.Endpoint;
import dev.concierge.dataplane.cluster.RoundRobinBalancer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EndpointHealthLogTest {
  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now.get();
        }
      };
  private final Endpoint a = new Endpoint("127.0.0.1", 8001, 1, 0);
  private final Endpoint b = new Endpoint("127.0.0.1", 8002, 1, 0);
  private final Map<String, CompiledCluster> clusters = new HashMap<>();
  private final EndpointHealthLog log = new EndpointHealthLog(() -> Map.copyOf(clusters), clock);

  private static CompiledCluster cluster(String name, Endpoint... endpoints) {
    List<Endpoint> list = List.of(endpoints);
    return new CompiledCluster(
        name, list, RoundRobinBalancer.of(list), Duration.ofSeconds(5), Meter.none());
  }

  private EndpointHealth of(Endpoint endpoint) {
    return log.current().stream()
        .filter(h -> h.getAddress().equals(endpoint.address()))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void reportsEveryEndpointOnceAsHealthyAndAChangeWithItsTime() {
    assertThat(log.refresh()).isFalse(); // no config yet
    clusters.put("clusters/web", cluster("clusters/web", a, b));
    assertThat(log.refresh()).isTrue();
    assertThat(log.current())
        .hasSize(2)
        .allSatisfy(h -> assertThat(h.getState()).isEqualTo(HealthState.HEALTHY));
    Instant first = now.get();

    now.set(first.plusSeconds(10));
    assertThat(log.refresh()).as("nothing changed").isFalse();
    assertThat(ProtoTime.instant(of(a).getSince())).isEqualTo(first);

    b.state().setHealthy(false);
    assertThat(log.refresh()).isTrue();
    assertThat(of(b).getState()).isEqualTo(HealthState.UNHEALTHY);
    assertThat(ProtoTime.instant(of(b).getSince())).isEqualTo(first.plusSeconds(10));
    assertThat(ProtoTime.instant(of(a).getSince())).as("a kept its time").isEqualTo(first);
    assertThat(of(b).getCluster()).isEqualTo("clusters/web");
  }

  @Test
  void connectionFailuresInARowShowAsEjected() {
    clusters.put("clusters/web", cluster("clusters/web", a));
    log.refresh();
    a.state().eject(java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
    assertThat(log.refresh()).isTrue();
    assertThat(of(a).getState()).isEqualTo(HealthState.EJECTED);
  }

  @Test
  void aDrainedEndpointIsDrainingWhateverItsHealth() {
    Endpoint drained =
        new Endpoint("127.0.0.1", 8003, 1, 0, b.state(), b.resolved(), /* draining= */ true);
    b.state().setHealthy(false);
    clusters.put("clusters/web", cluster("clusters/web", a, drained));
    log.refresh();
    assertThat(of(drained).getState()).isEqualTo(HealthState.DRAINING);
    assertThat(of(a).getState()).isEqualTo(HealthState.HEALTHY);
  }

  @Test
  void aCheckedEndpointIsUnknownUntilItsFirstResult() {
    clusters.put("clusters/web", cluster("clusters/web", a));
    a.state().checksStarted();
    log.refresh();
    assertThat(of(a).getState()).isEqualTo(HealthState.UNKNOWN);
    a.state().firstCheckDone();
    assertThat(log.refresh()).isTrue();
    assertThat(of(a).getState()).isEqualTo(HealthState.HEALTHY);
    a.state().checksStopped();
    assertThat(log.refresh()).as("healthy either way").isFalse();
  }

  @Test
  void anEndpointThatLeavesIsAChange() {
    clusters.put("clusters/web", cluster("clusters/web", a, b));
    log.refresh();
    clusters.put("clusters/web", cluster("clusters/web", a));
    assertThat(log.refresh()).isTrue();
    assertThat(log.current()).extracting(EndpointHealth::getAddress).containsExactly(a.address());
  }
}
