package dev.concierge.dataplane.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.ConfigSnapshot;
import dev.concierge.api.v1.ConnectionLimits;
import dev.concierge.api.v1.Cors;
import dev.concierge.api.v1.Policy;
import org.junit.jupiter.api.Test;

class ListenerLimitsTest {
  @Test
  void aSnapshotWithoutThePolicyLimitsNothing() {
    ConfigSnapshot snapshot =
        ConfigSnapshot.newBuilder()
            .addPolicies(
                Policy.newBuilder()
                    .setName("policies/browser")
                    .setFleetDefault(true)
                    .setCors(Cors.newBuilder().addAllowOrigins("*")))
            .build();

    assertThat(ListenerLimits.of(snapshot)).isSameAs(ListenerLimits.NONE);
    assertThat(ListenerLimits.NONE.judgesRequests()).isFalse();
  }

  @Test
  void compilesThePolicyOfTheSnapshot() {
    ConfigSnapshot snapshot =
        ConfigSnapshot.newBuilder()
            .addPolicies(
                Policy.newBuilder()
                    .setName("policies/edge-limits")
                    .setFleetDefault(true)
                    .setConnectionLimits(
                        ConnectionLimits.newBuilder()
                            .setMaxConnectionsPerAddress(100)
                            .setMaxConnections(10_000)
                            .setMaxRequestsPerConnection(1000)
                            .setMaxHeaderCount(100)
                            .setMaxHeaderBytes(16_384)
                            .setMaxUriLength(8192)))
            .build();

    assertThat(ListenerLimits.of(snapshot))
        .isEqualTo(new ListenerLimits(100, 10_000, 1000, 100, 16_384, 8192));
  }

  @Test
  void onlyHeaderBytesOrConnectionLimitsNeedNoJudgingConnection() {
    assertThat(new ListenerLimits(100, 0, 0, 0, 16_384, 0).judgesRequests()).isFalse();
    assertThat(new ListenerLimits(0, 0, 5, 0, 0, 0).judgesRequests()).isTrue();
    assertThat(new ListenerLimits(0, 0, 0, 50, 0, 0).judgesRequests()).isTrue();
    assertThat(new ListenerLimits(0, 0, 0, 0, 0, 100).judgesRequests()).isTrue();
  }
}
