package dev.concierge.controlplane.management;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClusterValidatorTest {
  private static Cluster.Builder valid() {
    return Cluster.newBuilder()
        .setName("clusters/web")
        .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(8080))
        .addEndpoints(
            Endpoint.newBuilder().setHost("backend.internal").setPort(8080).setWeight(1000))
        .addEndpoints(Endpoint.newBuilder().setHost("::1").setPort(80))
        .setConnectTimeout(Duration.newBuilder().setSeconds(60));
  }

  private static List<String> fields(Cluster cluster) {
    FieldViolations violations = new FieldViolations();
    ClusterValidator.validate(cluster, "cluster", violations);
    return violations.list().stream().map(BadRequest.FieldViolation::getField).toList();
  }

  @Test
  void acceptsValidCluster() {
    assertThat(fields(valid().build())).isEmpty();
  }

  @Test
  void requiresAnEndpoint() {
    assertThat(fields(valid().clearEndpoints().build())).containsExactly("cluster.endpoints");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "bad host", "-x.example", "999.1.1.1", "a..b", "[::1", "1:2:3:zz::"})
  void rejectsBadHost(String host) {
    assertThat(
            fields(valid().setEndpoints(1, Endpoint.newBuilder().setHost(host).setPort(1)).build()))
        .containsExactly("cluster.endpoints[1].host");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"localhost", "a-b.example.com", "192.168.0.1", "fe80::1", "[2001:db8::1]"})
  void acceptsHost(String host) {
    assertThat(
            fields(valid().setEndpoints(1, Endpoint.newBuilder().setHost(host).setPort(1)).build()))
        .isEmpty();
  }

  @Test
  void reportsEveryViolationAtOnce() {
    Cluster cluster =
        valid()
            .setDescription("x".repeat(257))
            .setEndpoints(0, Endpoint.newBuilder().setHost("a.test").setPort(0))
            .setEndpoints(1, Endpoint.newBuilder().setHost("a.test").setPort(70000).setWeight(1001))
            .addEndpoints(Endpoint.newBuilder().setHost("A.test").setPort(0))
            .setConnectTimeout(Duration.newBuilder().setSeconds(61))
            .build();
    assertThat(fields(cluster))
        .containsExactly(
            "cluster.description",
            "cluster.endpoints[0].port",
            "cluster.endpoints[1].port",
            "cluster.endpoints[1].weight",
            "cluster.endpoints[3].port",
            "cluster.endpoints[3]",
            "cluster.connect_timeout");
  }

  @Test
  void rejectsZeroAndNegativeConnectTimeout() {
    assertThat(fields(valid().setConnectTimeout(Duration.getDefaultInstance()).build()))
        .containsExactly("cluster.connect_timeout");
    assertThat(fields(valid().setConnectTimeout(Duration.newBuilder().setSeconds(-1)).build()))
        .containsExactly("cluster.connect_timeout");
    assertThat(fields(valid().setConnectTimeout(Duration.newBuilder().setNanos(1)).build()))
        .isEmpty();
  }
}
