package dev.concierge.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.ListClustersRequest;
import dev.concierge.api.v1.ListNodesRequest;
import dev.concierge.api.v1.ListNodesResponse;
import dev.concierge.api.v1.ListRoutesRequest;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Route;
import dev.concierge.dataplane.DataPlaneServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes keep serving without the control plane; a restarted one has everything and resyncs them.
 */
class ControlPlaneOutageIT {
  @TempDir Path dataDir;
  private TestBackend backend;
  private Fleet fleet;

  @BeforeEach
  void setUp() throws Exception {
    backend = TestBackend.start("backend");
    fleet = Fleet.start(dataDir, 2);
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
  void nodesKeepServingWhileTheControlPlaneIsDownAndResyncAfterRestart() throws Exception {
    List<Cluster> clusters =
        fleet.api().listClusters(ListClustersRequest.getDefaultInstance()).getClustersList();
    List<Route> routes =
        fleet.api().listRoutes(ListRoutesRequest.getDefaultInstance()).getRoutesList();
    long revision = fleet.controlPlane().revision();

    fleet.stopControlPlane();
    for (int i = 0; i < 5; i++) {
      for (DataPlaneServer node : fleet.nodes()) {
        assertThat(Http.bodyOrStatus(node.httpPort(), "/still-here")).isEqualTo("backend");
      }
    }

    fleet.restartControlPlane();
    assertThat(fleet.controlPlane().revision()).isEqualTo(revision);
    assertThat(fleet.api().listClusters(ListClustersRequest.getDefaultInstance()).getClustersList())
        .isEqualTo(clusters);
    assertThat(fleet.api().listRoutes(ListRoutesRequest.getDefaultInstance()).getRoutesList())
        .isEqualTo(routes);

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .untilAsserted(
            () -> {
              ListNodesResponse nodes =
                  fleet.api().listNodes(ListNodesRequest.getDefaultInstance());
              assertThat(nodes.getRevision()).isEqualTo(revision);
              assertThat(nodes.getNodesList())
                  .hasSize(2)
                  .allSatisfy(
                      node -> {
                        assertThat(node.getStatus()).isEqualTo(Node.SyncStatus.SYNCED);
                        assertThat(node.getConnected()).isTrue();
                        assertThat(node.getAppliedRevision()).isEqualTo(revision);
                      });
            });
    for (DataPlaneServer node : fleet.nodes()) {
      assertThat(Http.bodyOrStatus(node.httpPort(), "/")).isEqualTo("backend");
    }
  }
}
