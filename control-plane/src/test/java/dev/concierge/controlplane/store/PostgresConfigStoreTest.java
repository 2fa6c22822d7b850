package dev.concierge.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.WeightedCluster;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The same migrations and queries on PostgreSQL. Runs only when CONCIERGE_PG_URL names a database
 * (jdbc:postgresql://host:port/db?user=..&amp;password=..) whose public schema it may wipe.
 */
class PostgresConfigStoreTest {

  @Test
  void migratesAndStoresOnPostgres() throws Exception {
    String url = System.getenv("CONCIERGE_PG_URL");
    Assumptions.assumeTrue(
        url != null && url.startsWith("jdbc:postgresql:"), "CONCIERGE_PG_URL not set");
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA public CASCADE");
      s.execute("CREATE SCHEMA public");
    }
    try (JdbcConfigStore store = JdbcConfigStore.open(url, Clock.systemUTC())) {
      Cluster cluster =
          store.create(
              ResourceTable.CLUSTERS,
              Stored.of(
                  Cluster.newBuilder()
                      .setName("clusters/a")
                      .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(1))
                      .build()),
              "t");
      assertThat(cluster.getEtag()).isEqualTo("1");
      Route route =
          Route.newBuilder()
              .setName("routes/r")
              .setForward(
                  ForwardAction.newBuilder()
                      .addClusters(WeightedCluster.newBuilder().setCluster("clusters/a")))
              .build();
      store.create(ResourceTable.ROUTES, Stored.of(route), "t");
      assertThatThrownBy(() -> store.delete(ResourceTable.CLUSTERS, "clusters/a", "", "t"))
          .isInstanceOf(StoreException.class);
      assertThatThrownBy(
              () ->
                  store.create(
                      ResourceTable.ROUTES,
                      Stored.of(
                          route.toBuilder()
                              .setName("routes/s")
                              .setForward(
                                  ForwardAction.newBuilder()
                                      .addClusters(
                                          WeightedCluster.newBuilder().setCluster("clusters/x")))
                              .build()),
                      "t"))
          .isInstanceOf(StoreException.class);
      store.saveNode(Node.newBuilder().setName("nodes/n").build());
      store.saveNode(Node.newBuilder().setName("nodes/n").setAddress("a").build());
      StoredConfig config = store.readConfig();
      assertThat(config.revision()).isEqualTo(2);
      assertThat(config.routes()).hasSize(1);
      assertThat(store.get(ResourceTable.CLUSTERS, "clusters/a").orElseThrow()).isEqualTo(cluster);
      assertThat(store.list(ResourceTable.CLUSTERS, 1, "").items()).hasSize(1);
      assertThat(store.history(5)).hasSize(2);
      assertThat(store.listNodes()).extracting(Node::getAddress).containsExactly("a");
    }
    try (JdbcConfigStore store = JdbcConfigStore.open(url, Clock.systemUTC())) {
      assertThat(store.revision()).isEqualTo(2);
    }
  }
}
