package dev.concierge.controlplane.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.concierge.api.v1.ApplyRequest;
import dev.concierge.api.v1.AuditEvent;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Config;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateTokenRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ExportConfigRequest;
import dev.concierge.api.v1.GetClusterRequest;
import dev.concierge.api.v1.ListAuditEventsRequest;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ManagementServiceGrpc;
import dev.concierge.api.v1.ManagementServiceGrpc.ManagementServiceBlockingStub;
import dev.concierge.api.v1.RollbackRequest;
import dev.concierge.controlplane.InProcessControlPlane;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit interceptor in a real control plane, over the in-process transport. */
class AuditInterceptorTest {
  private static final String SERVICE = "concierge.v1.ManagementService/";

  @TempDir Path dir;
  private InProcessControlPlane cp;

  @BeforeEach
  void start() throws Exception {
    cp = new InProcessControlPlane(dir);
  }

  @AfterEach
  void stop() {
    cp.close();
  }

  private static CreateClusterRequest createWeb(boolean validateOnly) {
    return CreateClusterRequest.newBuilder()
        .setClusterId("web")
        .setCluster(
            Cluster.newBuilder()
                .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80)))
        .setValidateOnly(validateOnly)
        .build();
  }

  private List<AuditEvent> events() {
    return cp.admin().listAuditEvents(ListAuditEventsRequest.getDefaultInstance()).getEventsList();
  }

  @Test
  void recordsAWriteBeforeTheCallerSeesItsAnswer() {
    cp.admin().createCluster(createWeb(false));

    // No waiting: the row is written before the status goes out.
    assertThat(events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getTokenName()).isEqualTo("admin");
              assertThat(e.getRpc()).isEqualTo(SERVICE + "CreateCluster");
              assertThat(e.getResource()).isEqualTo("clusters/web");
              assertThat(e.getCode()).isEqualTo("OK");
              assertThat(e.getClientAddress()).isNotEmpty();
              assertThat(e.hasTime()).isTrue();
            });
  }

  @Test
  void skipsReadsAndSuccessfulValidateOnlyCalls() {
    cp.admin().createCluster(createWeb(true));
    cp.admin().listClusters(ListClustersRequest.getDefaultInstance());

    assertThat(events()).isEmpty();
  }

  @Test
  void recordsRefusedCallsReadsIncluded() {
    assertThatThrownBy(
            () ->
                cp.admin()
                    .deleteCluster(DeleteClusterRequest.newBuilder().setName("clusters/x").build()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThatThrownBy(
            () ->
                cp.admin().getCluster(GetClusterRequest.newBuilder().setName("clusters/y").build()))
        .isInstanceOf(StatusRuntimeException.class);

    assertThat(events())
        .extracting(AuditEvent::getRpc, AuditEvent::getResource, AuditEvent::getCode)
        .containsExactly(
            tuple(SERVICE + "GetCluster", "clusters/y", "NOT_FOUND"),
            tuple(SERVICE + "DeleteCluster", "clusters/x", "NOT_FOUND"));
    assertThat(events().get(0).getDetail()).contains("clusters/y");
  }

  @Test
  void recordsABadTokenAsNoToken() {
    ManagementServiceBlockingStub intruder =
        InProcessControlPlane.withToken(
            ManagementServiceGrpc.newBlockingStub(cp.channel()), "guess");

    assertThatThrownBy(() -> intruder.createCluster(createWeb(false)))
        .extracting(e -> Status.fromThrowable(e).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);

    assertThat(events())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getTokenName()).isEqualTo(AuditInterceptor.NO_TOKEN);
              assertThat(e.getCode()).isEqualTo("UNAUTHENTICATED");
              // The request never reached a handler; its resource is unknown.
              assertThat(e.getRpc()).isEqualTo(SERVICE + "CreateCluster");
            });
  }

  @Test
  void keepsEventsAcrossARestart() throws Exception {
    cp.admin().createCluster(createWeb(false));

    cp.restart();

    assertThat(events()).extracting(AuditEvent::getResource).containsExactly("clusters/web");
  }

  private static Cluster cluster(String id) {
    return Cluster.newBuilder()
        .setName("clusters/" + id)
        .addEndpoints(Endpoint.newBuilder().setHost("10.0.0.1").setPort(80))
        .build();
  }

  @Test
  void recordsApplyRollbackAndARefusedWriteUnderTheTokenName() {
    String secret =
        cp.admin().createToken(CreateTokenRequest.newBuilder().setName("ci").build()).getSecret();
    ManagementServiceBlockingStub ci =
        InProcessControlPlane.withToken(
            ManagementServiceGrpc.newBlockingStub(cp.channel()), secret);

    ci.apply(
        ApplyRequest.newBuilder()
            .setConfig(Config.newBuilder().addClusters(cluster("web")))
            .build());
    ci.apply(
        ApplyRequest.newBuilder()
            .setConfig(Config.newBuilder().addClusters(cluster("web")).addClusters(cluster("api")))
            .setValidateOnly(true)
            .build());
    ci.exportConfig(ExportConfigRequest.getDefaultInstance());
    ci.rollback(RollbackRequest.newBuilder().setRevision(1).build());
    assertThatThrownBy(
            () ->
                ci.createCluster(
                    CreateClusterRequest.newBuilder()
                        .setClusterId("Bad_Id")
                        .setCluster(cluster("x").toBuilder().clearName())
                        .build()))
        .extracting(e -> Status.fromThrowable(e).getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);

    assertThat(events())
        .extracting(
            AuditEvent::getTokenName,
            AuditEvent::getRpc,
            AuditEvent::getResource,
            AuditEvent::getCode)
        .containsExactly(
            tuple("ci", SERVICE + "CreateCluster", "clusters/Bad_Id", "INVALID_ARGUMENT"),
            tuple("ci", SERVICE + "Rollback", "revisions/1", "OK"),
            tuple("ci", SERVICE + "Apply", "", "OK"),
            tuple("admin", SERVICE + "CreateToken", "ci", "OK"));
  }

  @Test
  void judgesMutatingByTheMethodName() {
    assertThat(AuditInterceptor.mutating("Apply")).isTrue();
    assertThat(AuditInterceptor.mutating("Rollback")).isTrue();
    assertThat(AuditInterceptor.mutating("DeleteToken")).isTrue();
    assertThat(AuditInterceptor.mutating("ListAuditEvents")).isFalse();
    assertThat(AuditInterceptor.mutating("GetStats")).isFalse();
    assertThat(AuditInterceptor.mutating("ExportConfig")).isFalse();
  }
}
