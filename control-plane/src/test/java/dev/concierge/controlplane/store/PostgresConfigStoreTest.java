package dev.concierge.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.WeightedCluster;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two stores on one PostgreSQL database, as two control planes share one in production. The cases
 * that hold on either database are in {@link JdbcConfigStoreTest}.
 */
@ExtendWith(TestPostgres.Resolver.class)
class PostgresConfigStoreTest {
  private JdbcConfigStore a;
  private JdbcConfigStore b;

  @BeforeEach
  void open(TestPostgres postgres) {
    String url = postgres.createDatabase();
    a = JdbcConfigStore.open(url, Clock.systemUTC());
    b = JdbcConfigStore.open(url, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
  }

  private static Cluster cluster(String id) {
    return Cluster.newBuilder()
        .setName("clusters/" + id)
        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(8080))
        .build();
  }

  @Test
  void seesWritesOfAnotherStoreButIsNotToldOfThem() {
    List<Long> heardByB = new CopyOnWriteArrayList<>();
    b.addListener(heardByB::add);

    a.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");

    assertThat(b.revision()).isEqualTo(1);
    assertThat(b.get(ResourceTable.CLUSTERS, "clusters/a")).isPresent();
    // Listeners hear only their own store's writes: a control plane finds the others' by polling
    // revision() (SnapshotCache does).
    assertThat(heardByB).isEmpty();

    Route route =
        Route.newBuilder()
            .setName("routes/r")
            .setForward(
                ForwardAction.newBuilder()
                    .addClusters(WeightedCluster.newBuilder().setCluster("clusters/a")))
            .build();
    b.create(ResourceTable.ROUTES, Stored.of(route), "t");
    assertThat(heardByB).containsExactly(2L);
    StoredConfig config = a.readConfig();
    assertThat(config.revision()).isEqualTo(2);
    assertThat(config.routes()).extracting(Route::getName).containsExactly("routes/r");
  }

  @Test
  void writersOnTwoStoresShareOneRevisionSequence() throws Exception {
    JdbcConfigStoreTest.writeFromFourThreads(t -> t % 2 == 0 ? a : b);

    assertThat(a.revision()).isEqualTo(40);
    assertThat(b.revision()).isEqualTo(40);
    assertThat(b.history(100))
        .extracting(HistoryEntry::revision)
        .doesNotHaveDuplicates()
        .hasSize(40);
  }
}
