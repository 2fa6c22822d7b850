package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.concierge.api.v1.AuditEvent;
import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.CreateJoinTokenRequest;
import dev.concierge.api.v1.ListAuditEventsRequest;
import dev.concierge.api.v1.ListJoinTokensRequest;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.api.v1.RevokeJoinTokenRequest;
import dev.concierge.api.v1.RevokeNodeRequest;
import dev.concierge.dataplane.DataPlaneServer;
import dev.concierge.dataplane.identity.Enrollment;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Nodes join the fleet with a join token and from then on talk mutual TLS: the control plane knows
 * them by their certificate, refuses bad tokens, revoked nodes and calls without a certificate, and
 * nodes renew their certificates while their streams keep working.
 */
class FleetJoinIT {
  @TempDir Path dataDir;
  @TempDir Path cacheDir;
  private Fleet fleet;
  private final ListAppender<ILoggingEvent> enrollmentLog = new ListAppender<>();
  private final Logger enrollmentLogger = (Logger) LoggerFactory.getLogger(Enrollment.class);

  @AfterEach
  void tearDown() {
    enrollmentLogger.detachAppender(enrollmentLog);
    if (fleet != null) {
      fleet.close();
    }
  }

  private List<String> enrollmentWarnings() {
    return enrollmentLog.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private void captureEnrollmentLog() {
    enrollmentLog.start();
    enrollmentLogger.addAppender(enrollmentLog);
  }

  private Optional<Node> node(String id) {
    return fleet.api().listNodes(ListNodesRequest.getDefaultInstance()).getNodesList().stream()
        .filter(n -> n.getName().equals("nodes/" + id))
        .findFirst();
  }

  private List<AuditEvent> audit(String rpcSuffix) {
    return fleet
        .api()
        .listAuditEvents(ListAuditEventsRequest.newBuilder().setPageSize(1000).build())
        .getEventsList()
        .stream()
        .filter(e -> e.getRpc().endsWith(rpcSuffix))
        .toList();
  }

  @Test
  void aNodeWithAValidJoinTokenJoinsAndServesConfiguration() throws Exception {
    fleet = Fleet.start(dataDir, 1);
    try (TestBackend backend = TestBackend.start("backend")) {
      fleet.createCluster("web", backend);
      fleet.createRoute("web", "/", "web");
      fleet.awaitSynced();
      DataPlaneServer node = fleet.nodes().get(0);
      assertThat(Http.get(node.httpPort(), "/").body()).contains("backend");
    }
    assertThat(audit("NodeEnrollment/Join"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getResource()).isEqualTo("nodes/node-1");
              assertThat(e.getCode()).isEqualTo("OK");
              assertThat(e.getTokenName()).startsWith("join-token ");
            });
  }

  @Test
  void aNodeWithABadExpiredOrRevokedTokenIsRefusedWithOneLineAndNeverGetsConfiguration()
      throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    fleet = Fleet.start(dataDir, 0, b -> b.clock(clock));
    String expiring =
        fleet
            .api()
            .createJoinToken(
                CreateJoinTokenRequest.newBuilder()
                    .setTtl(com.google.protobuf.Duration.newBuilder().setSeconds(60))
                    .build())
            .getSecret();
    String revoked = fleet.joinToken();
    fleet
        .api()
        .revokeJoinToken(
            RevokeJoinTokenRequest.newBuilder()
                .setId(revoked.substring(0, revoked.indexOf('.')))
                .build());
    clock.advance(Duration.ofMinutes(2));
    assertThat(
            fleet.api().listJoinTokens(ListJoinTokensRequest.getDefaultInstance()).getTokensCount())
        .isEqualTo(1);
    captureEnrollmentLog();

    record Case(String nodeId, String token, String line) {}
    List<Case> cases =
        List.of(
            new Case(
                "bad",
                "0000abcd.not-a-token",
                "control plane refused the join token: unknown or revoked join token"),
            new Case(
                "expired",
                expiring,
                "control plane refused the join token: join token "
                    + expiring.substring(0, 8)
                    + " expired at"),
            new Case(
                "revoked",
                revoked,
                "control plane refused the join token: unknown or revoked join token"));
    for (Case c : cases) {
      enrollmentLog.list.clear();
      DataPlaneServer node =
          fleet.startNode(
              c.nodeId(), b -> b.joinToken(c.token()).reportInterval(Duration.ofMillis(100)));
      // It keeps trying quietly: several refused joins, one log line.
      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  audit("NodeEnrollment/Join").stream()
                          .filter(e -> e.getResource().equals("nodes/" + c.nodeId()))
                          .count()
                      >= 3);
      assertThat(enrollmentWarnings()).singleElement().asString().startsWith(c.line());
      assertThat(node.appliedRevision()).isEqualTo(-1);
      assertThat(node(c.nodeId())).isEmpty();
      assertThat(audit("NodeEnrollment/Join"))
          .filteredOn(e -> e.getResource().equals("nodes/" + c.nodeId()))
          .allSatisfy(e -> assertThat(e.getCode()).isEqualTo("UNAUTHENTICATED"));
    }
  }

  @Test
  void revokingANodeClosesItsStreamAndItsReconnectsAndRejoinsFail() throws Exception {
    fleet = Fleet.start(dataDir, 2);
    Node connected = node("node-1").orElseThrow();
    assertThat(connected.getConnected()).isTrue();

    fleet.api().revokeNode(RevokeNodeRequest.newBuilder().setNodeId("node-1").build());

    await().atMost(Duration.ofSeconds(5)).until(() -> !node("node-1").orElseThrow().getConnected());
    long served = fleet.nodes().get(0).appliedRevision();
    fleet.createCluster("after-revoke", 9);
    // Node 2 gets the change; node 1 reconnects with backoff and is refused every time.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fleet.nodes().get(1).appliedRevision() == fleet.controlPlane().revision());
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> !node("node-1").orElseThrow().getConnected());
    assertThat(fleet.nodes().get(0).appliedRevision()).isEqualTo(served);
    assertThat(node("node-2").orElseThrow().getConnected()).isTrue();
    assertThat(audit("ManagementService/RevokeNode"))
        .singleElement()
        .satisfies(e -> assertThat(e.getResource()).isEqualTo("nodes/node-1"));

    // Joining again with a valid token under the revoked id is refused too.
    captureEnrollmentLog();
    DataPlaneServer again =
        fleet.startNode("node-1", b -> b.cacheDir(cacheDir).reportInterval(Duration.ofSeconds(1)));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                audit("NodeEnrollment/Join").stream()
                    .anyMatch(
                        e ->
                            e.getResource().equals("nodes/node-1")
                                && e.getCode().equals("PERMISSION_DENIED")));
    assertThat(again.appliedRevision()).isEqualTo(-1);
    assertThat(Files.exists(cacheDir.resolve("node.crt"))).isFalse();
    assertThat(node("node-1").orElseThrow().getConnected()).isFalse();
  }

  @Test
  void aCallWithoutAClientCertificateIsRefusedWhateverTokenItCarriesAndPlainTextFails()
      throws Exception {
    fleet = Fleet.start(dataDir, 0);
    ManagedChannel tlsOnly =
        NettyChannelBuilder.forAddress(
                "127.0.0.1", fleet.controlPlane().port(), Fleet.tls(fleet.controlPlane()))
            .build();
    ManagedChannel plain =
        NettyChannelBuilder.forAddress("127.0.0.1", fleet.controlPlane().port())
            .usePlaintext()
            .build();
    try {
      for (String bearer :
          List.of(fleet.controlPlane().adminToken(), fleet.joinToken(), "nothing")) {
        Metadata headers = new Metadata();
        headers.put(
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + bearer);
        CompletableFuture<Status> ended = new CompletableFuture<>();
        AtomicReference<ConfigResponse> pushed = new AtomicReference<>();
        StreamObserver<ConfigRequest> requests =
            ConfigDiscoveryGrpc.newStub(tlsOnly)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .streamConfig(
                    new StreamObserver<>() {
                      @Override
                      public void onNext(ConfigResponse value) {
                        pushed.set(value);
                      }

                      @Override
                      public void onError(Throwable t) {
                        ended.complete(Status.fromThrowable(t));
                      }

                      @Override
                      public void onCompleted() {
                        ended.complete(Status.OK);
                      }
                    });
        requests.onNext(
            ConfigRequest.newBuilder()
                .setNode(NodeInfo.newBuilder().setId("intruder").setProtocolVersion(1))
                .build());
        Status status = ended.get(10, TimeUnit.SECONDS);
        assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(status.getDescription()).contains("client certificate is required");
        assertThat(pushed.get()).isNull();
      }
      assertThat(node("intruder")).isEmpty();
      assertThatThrownBy(
              () ->
                  HealthGrpc.newBlockingStub(plain)
                      .withDeadlineAfter(5, TimeUnit.SECONDS)
                      .check(HealthCheckRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    } finally {
      tlsOnly.shutdownNow();
      plain.shutdownNow();
    }
  }

  @Test
  void aShortLivedCertificateIsRenewedWhileTheStreamKeepsWorking() throws Exception {
    fleet = Fleet.start(dataDir, 0, b -> b.nodeCertTtl(Duration.ofSeconds(6)));
    DataPlaneServer node = fleet.startNode("node-1", b -> b.cacheDir(cacheDir));
    fleet.awaitSynced();
    String firstCert = Files.readString(cacheDir.resolve("node.crt"));
    Node before = node("node-1").orElseThrow();

    // Renewed at two thirds of 6 s; then again, past the first certificate's expiry.
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                audit("NodeEnrollment/Renew").stream()
                        .filter(
                            e -> e.getResource().equals("nodes/node-1") && e.getCode().equals("OK"))
                        .count()
                    >= 2);
    assertThat(Files.readString(cacheDir.resolve("node.crt"))).isNotEqualTo(firstCert);
    fleet.createCluster("after-renewal", 9);
    fleet.awaitSynced();
    Node after = node("node-1").orElseThrow();
    assertThat(after.getConnected()).isTrue();
    // The same stream throughout: renewal never reconnected it.
    assertThat(after.getConnectedSince()).isEqualTo(before.getConnectedSince());
    assertThat(node.appliedRevision()).isEqualTo(fleet.controlPlane().revision());
  }

  /** A clock the test moves forward. */
  private static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
