package dev.concierge.controlplane.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ConfigDiscoveryGrpc;
import dev.concierge.api.v1.ConfigRequest;
import dev.concierge.api.v1.ConfigResponse;
import dev.concierge.api.v1.CreateCertificateRequest;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.GetStatsRequest;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.ListNodesResponse;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Node.SyncStatus;
import dev.concierge.api.v1.NodeInfo;
import dev.concierge.api.v1.NodeReport;
import dev.concierge.api.v1.NodeReportingGrpc;
import dev.concierge.api.v1.ReportSummary;
import dev.concierge.api.v1.RevokeNodeRequest;
import dev.concierge.api.v1.Stats;
import dev.concierge.api.v1.TrafficCounters;
import dev.concierge.controlplane.InProcessControlPlane;
import dev.concierge.controlplane.TestNodes;
import dev.concierge.controlplane.crypto.TestCertificates;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDiscoveryServiceTest {
  @TempDir Path dir;
  private InProcessControlPlane cp;
  private ManagementServiceBlockingStub admin;

  @BeforeEach
  void start() throws Exception {
    cp = InProcessControlPlane.overTls(dir, b -> b);
    admin = cp.admin();
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  /** A fake node: records pushes and how the stream ended. */
  private static final class FakeNode implements StreamObserver<ConfigResponse> {
    final BlockingQueue<ConfigResponse> pushes = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<ConfigRequest> requests;

    @Override
    public void onNext(ConfigResponse value) {
      pushes.add(value);
    }

    @Override
    public void onError(Throwable t) {
      ended.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      ended.complete(Status.OK);
    }

    ConfigResponse next() throws InterruptedException {
      ConfigResponse r = pushes.poll(10, TimeUnit.SECONDS);
      assertThat(r).as("a push").isNotNull();
      return r;
    }

    void ack(ConfigResponse r) {
      requests.onNext(
          ConfigRequest.newBuilder()
              .setRevision(r.getSnapshot().getRevision())
              .setResponseNonce(r.getNonce())
              .build());
    }
  }

  private FakeNode connect(String id, int protocolVersion) {
    return connect(cp.node(id), id, protocolVersion);
  }

  private static FakeNode connect(
      ConfigDiscoveryGrpc.ConfigDiscoveryStub stub, String id, int protocolVersion) {
    FakeNode node = new FakeNode();
    node.requests = stub.streamConfig(node);
    node.requests.onNext(
        ConfigRequest.newBuilder()
            .setNode(
                NodeInfo.newBuilder()
                    .setId(id)
                    .setAddress("10.0.0.5:8080")
                    .setVersion("test")
                    .putLabels("zone", "a")
                    .setProtocolVersion(protocolVersion))
            .build());
    return node;
  }

  private Node node(String id) {
    return nodes().getNodesList().stream()
        .filter(n -> n.getName().equals("nodes/" + id))
        .findFirst()
        .orElseThrow();
  }

  private ListNodesResponse nodes() {
    return admin.listNodes(ListNodesRequest.getDefaultInstance());
  }

  /**
   * Snapshots are built asynchronously after a commit; a node connecting first gets the older one.
   */
  private void awaitSnapshot(long revision) {
    await().until(() -> nodes().getRevision() == revision);
  }

  private void createCluster(String id) {
    admin.createCluster(
        CreateClusterRequest.newBuilder()
            .setClusterId(id)
            .setCluster(
                Cluster.newBuilder()
                    .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(9000)))
            .build());
  }

  @Test
  void pushesNewestOnConnectAndMarksSyncedOnAck() throws Exception {
    createCluster("a");
    awaitSnapshot(1);
    FakeNode node = connect("n1", 1);
    ConfigResponse first = node.next();
    assertThat(first.getNonce()).isNotEmpty();
    assertThat(first.getSnapshot().getRevision()).isEqualTo(1);
    assertThat(first.getSnapshot().getClustersList())
        .extracting(Cluster::getName)
        .containsExactly("clusters/a");
    assertThat(node("n1").getStatus()).isEqualTo(SyncStatus.PENDING);
    node.ack(first);
    await()
        .untilAsserted(
            () -> {
              Node n = node("n1");
              assertThat(n.getStatus()).isEqualTo(SyncStatus.SYNCED);
              assertThat(n.getAppliedRevision()).isEqualTo(1);
              assertThat(n.getSentRevision()).isEqualTo(1);
              assertThat(n.getConnected()).isTrue();
              assertThat(n.getLabelsMap()).containsEntry("zone", "a");
            });

    createCluster("b");
    ConfigResponse second = node.next();
    assertThat(second.getSnapshot().getRevision()).isEqualTo(2);
    assertThat(second.getNonce()).isNotEqualTo(first.getNonce());
    node.ack(second);
    await().until(() -> node("n1").getAppliedRevision() == 2);
    assertThat(nodes().getRevision()).isEqualTo(2);

    node.requests.onCompleted();
    await().until(() -> node("n1").getStatus() == SyncStatus.DISCONNECTED);
  }

  @Test
  void pushesEmptySnapshotAtRevisionZero() throws Exception {
    FakeNode node = connect("n1", 1);
    assertThat(node.next().getSnapshot().getRevision()).isZero();
  }

  @Test
  void coalescesWritesWhileAPushIsOutstanding() throws Exception {
    FakeNode node = connect("n1", 1);
    ConfigResponse first = node.next();
    createCluster("a");
    createCluster("b");
    createCluster("c");
    awaitSnapshot(3);
    assertThat(node.pushes).isEmpty();
    node.ack(first);
    ConfigResponse newest = node.next();
    assertThat(newest.getSnapshot().getRevision()).isEqualTo(3);
    assertThat(newest.getSnapshot().getClustersCount()).isEqualTo(3);
    node.ack(newest);
    await().until(() -> node("n1").getStatus() == SyncStatus.SYNCED);
    assertThat(node.pushes).isEmpty();
  }

  @Test
  void keepsNackedStatusWithTheError() throws Exception {
    FakeNode node = connect("n1", 1);
    node.ack(node.next());
    createCluster("a");
    ConfigResponse push = node.next();
    node.requests.onNext(
        ConfigRequest.newBuilder()
            .setRevision(1)
            .setResponseNonce(push.getNonce())
            .setErrorDetail("clusters/a: cannot resolve")
            .build());
    await()
        .untilAsserted(
            () -> {
              Node n = node("n1");
              assertThat(n.getStatus()).isEqualTo(SyncStatus.NACKED);
              assertThat(n.getLastNack()).isEqualTo("clusters/a: cannot resolve");
              assertThat(n.getLastNackRevision()).isEqualTo(1);
              assertThat(n.getAppliedRevision()).isZero();
            });
    createCluster("b");
    ConfigResponse retry = node.next();
    assertThat(retry.getSnapshot().getRevision()).isEqualTo(2);
    assertThat(node("n1").getStatus()).isEqualTo(SyncStatus.PENDING);
  }

  @Test
  void ignoresStaleNonce() throws Exception {
    FakeNode node = connect("n1", 1);
    ConfigResponse first = node.next();
    createCluster("a");
    awaitSnapshot(1);
    node.requests.onNext(
        ConfigRequest.newBuilder()
            .setRevision(0)
            .setResponseNonce("not-" + first.getNonce())
            .build());
    node.requests.onNext(ConfigRequest.newBuilder().setRevision(0).setResponseNonce("").build());
    // The real ACK after the ignored ones still counts, so the stream was not confused by them.
    node.ack(first);
    assertThat(node.next().getSnapshot().getRevision()).isEqualTo(1);
    assertThat(node.pushes).isEmpty();
    assertThat(node("n1").getAppliedRevision()).isZero();
  }

  @Test
  void rejectsOtherProtocolVersion() throws Exception {
    FakeNode node = connect("n1", 2);
    Status status = node.ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription())
        .isEqualTo("protocol version 2 not supported; this control plane speaks 1");
    assertThat(node.pushes).isEmpty();
  }

  @Test
  void rejectsFirstRequestWithoutNode() throws Exception {
    FakeNode node = new FakeNode();
    node.requests = cp.node("n1").streamConfig(node);
    node.requests.onNext(ConfigRequest.newBuilder().setRevision(3).build());
    Status status = node.ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("must carry node");
  }

  @Test
  void keepsNewerStreamWhenAnOlderOneOfTheSameNodeEnds() throws Exception {
    FakeNode old = connect("n1", 1);
    old.ack(old.next());
    FakeNode fresh = connect("n1", 1);
    fresh.ack(fresh.next());
    await().until(() -> node("n1").getStatus() == SyncStatus.SYNCED);
    old.requests.onCompleted();
    old.ended.get(10, TimeUnit.SECONDS);
    assertThat(node("n1").getConnected()).isTrue();
    createCluster("a");
    assertThat(fresh.next().getSnapshot().getRevision()).isEqualTo(1);
    assertThat(nodes().getNodesCount()).isEqualTo(1);
  }

  @Test
  void refusesACallWithoutANodeCertificateWhateverTokenItCarries() throws Exception {
    FakeNode node =
        connect(
            InProcessControlPlane.withToken(
                ConfigDiscoveryGrpc.newStub(cp.channel()), cp.server().adminToken()),
            "n1",
            1);
    Status status = node.ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("client certificate is required");
    assertThat(node.pushes).isEmpty();
  }

  @Test
  void refusesANodeIdOtherThanItsCertificates() throws Exception {
    FakeNode node = connect(cp.node("n1"), "n2", 1);
    Status status = node.ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("\"n2\"", "\"n1\"");
    assertThat(node.pushes).isEmpty();
    assertThat(nodes().getNodesCount()).isZero();
  }

  @Test
  void revokingANodeEndsItsStreamAndRefusesItsCertificateAndJoin() throws Exception {
    FakeNode node = connect("n1", 1);
    node.ack(node.next());
    FakeNode other = connect("n2", 1);
    other.ack(other.next());

    admin.revokeNode(RevokeNodeRequest.newBuilder().setNodeId("n1").build());

    Status ended = node.ended.get(10, TimeUnit.SECONDS);
    assertThat(ended.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(ended.getDescription()).isEqualTo("node \"n1\" is revoked");
    FakeNode again = connect("n1", 1);
    assertThat(again.ended.get(10, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThatThrownBy(() -> TestNodes.credentials(cp.server(), cp.channel(), "n1"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).isEqualTo("node \"n1\" is revoked");
            });
    assertThat(other.ended).isNotDone();
  }

  @Test
  void shipsDecryptedKeysToNodes() throws Exception {
    String[] pem = TestCertificates.chainAndKey("www.example.com");
    admin.createCertificate(
        CreateCertificateRequest.newBuilder()
            .setCertificateId("www")
            .setCertificate(
                Certificate.newBuilder().setCertificateChain(pem[0]).setPrivateKey(pem[1]))
            .build());
    awaitSnapshot(1);
    FakeNode node = connect("n1", 1);
    Certificate shipped = node.next().getSnapshot().getCertificates(0);
    assertThat(shipped.getPrivateKey()).isEqualTo(pem[1]);
    assertThat(shipped.getDnsNamesList()).containsExactly("www.example.com");
  }

  @Test
  void marksNodesDisconnectedAfterRestart() throws Exception {
    FakeNode node = connect("n1", 1);
    node.ack(node.next());
    await().until(() -> node("n1").getStatus() == SyncStatus.SYNCED);
    cp.restart();
    admin = cp.admin();
    assertThat(node.ended.get(10, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    Node after = node("n1");
    assertThat(after.getStatus()).isEqualTo(SyncStatus.DISCONNECTED);
    assertThat(after.getConnected()).isFalse();
    assertThat(after.getAppliedRevision()).isZero();
  }

  @Test
  void sumsNodeReportsIntoStats() throws Exception {
    for (String nodeId : List.of("n1", "n2")) {
      CompletableFuture<ReportSummary> summary = new CompletableFuture<>();
      StreamObserver<NodeReport> reports = reportStream(nodeId, summary);
      reports.onNext(
          NodeReport.newBuilder()
              .setNodeId(nodeId)
              .addRoutes(
                  TrafficCounters.newBuilder()
                      .setName("routes/r")
                      .setRequests(1)
                      .setResponses2Xx(1))
              .build());
      reports.onNext(
          NodeReport.newBuilder()
              .setNodeId(nodeId)
              .addRoutes(
                  TrafficCounters.newBuilder()
                      .setName("routes/r")
                      .setRequests(5)
                      .setResponses5Xx(2))
              .addClusters(
                  TrafficCounters.newBuilder().setName("clusters/a").setUpstreamFailures(3))
              .build());
      reports.onCompleted();
      assertThat(summary.get(10, TimeUnit.SECONDS).getReportsReceived()).isEqualTo(2);
    }
    Stats stats = admin.getStats(GetStatsRequest.getDefaultInstance());
    assertThat(stats.getNodes()).isEqualTo(2);
    assertThat(stats.getRoutes(0).getRequests()).isEqualTo(10);
    assertThat(stats.getRoutes(0).getResponses5Xx()).isEqualTo(4);
    assertThat(stats.getRoutes(0).getResponses2Xx()).isZero();
    assertThat(stats.getClusters(0).getUpstreamFailures()).isEqualTo(6);
  }

  /**
   * A report stream of {@code nodeId}'s channel; its summary or failure completes {@code summary}.
   */
  private StreamObserver<NodeReport> reportStream(
      String nodeId, CompletableFuture<ReportSummary> summary) {
    return NodeReportingGrpc.newStub(cp.nodeChannel(nodeId))
        .report(
            new StreamObserver<>() {
              @Override
              public void onNext(ReportSummary value) {
                summary.complete(value);
              }

              @Override
              public void onError(Throwable t) {
                summary.completeExceptionally(t);
              }

              @Override
              public void onCompleted() {}
            });
  }

  @Test
  void refusesReportsForAnotherNode() throws Exception {
    CompletableFuture<ReportSummary> summary = new CompletableFuture<>();
    StreamObserver<NodeReport> reports = reportStream("n1", summary);
    reports.onNext(NodeReport.newBuilder().setNodeId("n2").build());
    assertThatThrownBy(() -> summary.get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(StatusRuntimeException.class)
        .hasMessageContaining("PERMISSION_DENIED");
    assertThat(admin.getStats(GetStatsRequest.getDefaultInstance()).getNodes()).isZero();
  }

  static {
    org.awaitility.Awaitility.setDefaultTimeout(Duration.ofSeconds(10));
  }
}
