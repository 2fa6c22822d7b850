package dev.concierge.api.rules;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.HealthCheck;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthCheckRulesTest {
  private static final HealthCheck.Http HTTP = HealthCheck.Http.getDefaultInstance();

  @Test
  void aTcpCheckWithDefaultsKeepsEveryRule() {
    assertThat(violations(HealthCheck.newBuilder().setTcp(HealthCheck.Tcp.getDefaultInstance())))
        .isEmpty();
  }

  @Test
  void aFullHttpCheckKeepsEveryRule() {
    assertThat(
            violations(
                HealthCheck.newBuilder()
                    .setInterval(Durations.fromMillis(200))
                    .setTimeout(Durations.fromMillis(100))
                    .setHealthyThreshold(2)
                    .setUnhealthyThreshold(2)
                    .setJitterPercent(20)
                    .setHttp(
                        HTTP.toBuilder()
                            .setPath("/healthz?deep=1")
                            .setHost("web.internal")
                            .addExpectedStatuses("200-299")
                            .addExpectedStatuses("404")
                            .setBodyContains("ok"))))
        .isEmpty();
  }

  @Test
  void requiresAKind() {
    assertThat(violations(HealthCheck.newBuilder()))
        .containsExactly("hc: exactly one of http, tcp or grpc is required");
  }

  @Test
  void refusesATimeoutNotBelowTheInterval() {
    assertThat(
            violations(
                HealthCheck.newBuilder()
                    .setInterval(Durations.fromSeconds(1))
                    .setTimeout(Durations.fromSeconds(1))
                    .setTcp(HealthCheck.Tcp.getDefaultInstance())))
        .containsExactly("hc.timeout: must be below the interval (1s), not 1s");
    // The default timeout (1 s) against a short interval.
    assertThat(
            violations(
                HealthCheck.newBuilder()
                    .setInterval(Durations.fromMillis(500))
                    .setTcp(HealthCheck.Tcp.getDefaultInstance())))
        .containsExactly("hc.timeout: must be below the interval (0.500s), not 1s");
  }

  @Test
  void refusesOutOfRangeNumbers() {
    assertThat(
            violations(
                HealthCheck.newBuilder()
                    .setInterval(Durations.fromMillis(5))
                    .setTimeout(Durations.fromMillis(1))
                    .setHealthyThreshold(101)
                    .setUnhealthyThreshold(-1)
                    .setJitterPercent(51)
                    .setTcp(HealthCheck.Tcp.getDefaultInstance())))
        .containsExactly(
            "hc.interval: must be at least 0.010s, not 0.005s",
            "hc.healthy_threshold: must be at most 100, not 101",
            "hc.unhealthy_threshold: must be at most 100, not 4294967295",
            "hc.jitter_percent: must be at most 50, not 51");
  }

  @Test
  void refusesBrokenHttpFields() {
    assertThat(
            violations(
                HealthCheck.newBuilder()
                    .setHttp(
                        HTTP.toBuilder()
                            .setPath("healthz")
                            .setMethod(HealthCheck.Method.HEAD)
                            .setBodyContains("ok")
                            .setHost("a b")
                            .addExpectedStatuses("200-399")
                            .addExpectedStatuses("399-200")
                            .addExpectedStatuses("99")
                            .addExpectedStatuses("600")
                            .addExpectedStatuses("2xx"))))
        .containsExactly(
            "hc.http.path: must start with \"/\", not \"healthz\"",
            "hc.http.body_contains: a HEAD check has no body to search",
            "hc.http.host: must be visible ASCII without spaces",
            "hc.http.expected_statuses[1]: must be a status 100-599 or a range such as 200-399,"
                + " not \"399-200\"",
            "hc.http.expected_statuses[2]: must be a status 100-599 or a range such as 200-399,"
                + " not \"99\"",
            "hc.http.expected_statuses[3]: must be a status 100-599 or a range such as 200-399,"
                + " not \"600\"",
            "hc.http.expected_statuses[4]: must be a status 100-599 or a range such as 200-399,"
                + " not \"2xx\"");
  }

  @Test
  void readsStatusRanges() {
    assertThat(HealthCheckRules.statusRange("200-399")).containsExactly(200, 399);
    assertThat(HealthCheckRules.statusRange("204")).containsExactly(204, 204);
    assertThat(HealthCheckRules.statusRange("-")).isNull();
    assertThat(HealthCheckRules.statusRange("200-")).isNull();
  }

  @Test
  void aGrpcCheckNeedsAnHttp2Cluster() {
    HealthCheck grpc =
        HealthCheck.newBuilder()
            .setGrpc(HealthCheck.Grpc.newBuilder().setService("web.Api").setAuthority("web"))
            .build();
    assertThat(violations(grpc.toBuilder())).isEmpty();
    List<String> out = new ArrayList<>();
    for (Cluster.Protocol protocol : List.of(Cluster.Protocol.HTTP1, Cluster.Protocol.HTTP2)) {
      HealthCheckRules.checkProtocol(
          grpc, protocol, "hc", (field, message) -> out.add(field + ": " + message));
    }
    assertThat(out).containsExactly("hc.grpc: a gRPC check needs a cluster with protocol HTTP2");
    // An HTTP check is fine on either: over h2c on an HTTP2 cluster.
    HealthCheckRules.checkProtocol(
        HealthCheck.newBuilder().setHttp(HTTP).build(),
        Cluster.Protocol.HTTP1,
        "hc",
        (field, message) -> out.add(field));
    assertThat(out).hasSize(1);
  }

  @Test
  void refusesBrokenGrpcFields() {
    assertThat(
            violations(
                HealthCheck.newBuilder()
                    .setGrpc(
                        HealthCheck.Grpc.newBuilder()
                            .setService("a b")
                            .setAuthority("x".repeat(256)))))
        .containsExactly(
            "hc.grpc.service: must be visible ASCII without spaces",
            "hc.grpc.authority: must be at most 255 characters");
  }

  private static List<String> violations(HealthCheck.Builder check) {
    List<String> out = new ArrayList<>();
    HealthCheckRules.check(
        check.build(), "hc", (field, message) -> out.add(field + ": " + message));
    return out;
  }
}
