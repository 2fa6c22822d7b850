package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.CreateClusterRequest;
import dev.concierge.api.v1.CreateRouteRequest;
import dev.concierge.api.v1.DeleteClusterRequest;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.ListRoutesResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invalid input is rejected with its fields named, and changes nothing. */
class ValidationIT {
  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("backend");
    fleet = Fleet.start(dataDir, 1);
    fleet.createCluster("web", backend);
    fleet.createRoute("web", "/", "web");
    fleet.awaitSynced();
  }

  @AfterEach
  void tearDown() {
    fleet.close();
    backend.close();
  }

  @Test
  void rejectsRouteNamingMissingClusterAndChangesNothing() {
    long revision = fleet.controlPlane().revision();
    ListRoutesResponse before = fleet.api().listRoutes(ListRoutesRequest.getDefaultInstance());

    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                fleet
                    .api()
                    .createRoute(
                        CreateRouteRequest.newBuilder()
                            .setRouteId("bad")
                            .setRoute(Fleet.routeTo("/x", "nope"))
                            .build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getStatus().getDescription()).contains("clusters/nope");
    assertThat(GrpcErrors.fieldsOf(e)).contains("route.forward.clusters[0].cluster");
    assertThat(fleet.controlPlane().revision()).isEqualTo(revision);
    assertThat(fleet.api().listRoutes(ListRoutesRequest.getDefaultInstance())).isEqualTo(before);
  }

  @Test
  void reportsEveryBadFieldOfACluster() {
    long revision = fleet.controlPlane().revision();

    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                fleet
                    .api()
                    .createCluster(
                        CreateClusterRequest.newBuilder()
                            .setClusterId("Bad_Name")
                            .setCluster(
                                Cluster.newBuilder()
                                    .addEndpoints(
                                        Endpoint.newBuilder().setHost("127.0.0.1").setPort(0))
                                    .addEndpoints(Endpoint.newBuilder().setHost("").setPort(80)))
                            .build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(GrpcErrors.fieldsOf(e))
        .contains("cluster.endpoints[0].port", "cluster.endpoints[1].host")
        .anyMatch(field -> field.contains("cluster_id") || field.contains("name"));
    assertThat(fleet.controlPlane().revision()).isEqualTo(revision);
    assertThat(fleet.api().listClusters(ListClustersRequest.getDefaultInstance()).getClustersList())
        .extracting(Cluster::getName)
        .containsExactly("clusters/web");
  }

  @Test
  void refusesToDeleteAClusterARouteUses() {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () ->
                fleet
                    .api()
                    .deleteCluster(
                        DeleteClusterRequest.newBuilder().setName("clusters/web").build()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(e.getStatus().getDescription()).contains("routes/web");
  }
}
