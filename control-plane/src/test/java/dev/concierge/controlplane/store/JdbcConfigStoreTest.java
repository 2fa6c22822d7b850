package dev.concierge.controlplane.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.concierge.api.v1.Certificate;
import dev.concierge.api.v1.Cluster;
import dev.concierge.api.v1.Endpoint;
import dev.concierge.api.v1.ForwardAction;
import dev.concierge.api.v1.Node;
import dev.concierge.api.v1.Route;
import dev.concierge.api.v1.WeightedCluster;
import dev.concierge.controlplane.store.HistoryEntry.Action;
import dev.concierge.controlplane.store.StoreException.Reason;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ArgumentsSource;

/** Every case runs on H2 and on PostgreSQL, each test on a database of its own. */
@ParameterizedClass
@ArgumentsSource(TestDatabase.All.class)
class JdbcConfigStoreTest {
  @Parameter TestDatabase database;
  @TempDir Path dir;
  private String url;
  private JdbcConfigStore store;

  @BeforeEach
  void open() {
    url = database.createUrl(dir);
    store = JdbcConfigStore.open(url, Clock.systemUTC());
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Cluster cluster(String id) {
    return Cluster.newBuilder()
        .setName("clusters/" + id)
        .addEndpoints(Endpoint.newBuilder().setHost("127.0.0.1").setPort(8080))
        .build();
  }

  private static Route route(String id, String... clusters) {
    ForwardAction.Builder forward = ForwardAction.newBuilder();
    for (String c : clusters) {
      forward.addClusters(WeightedCluster.newBuilder().setCluster(c));
    }
    return Route.newBuilder().setName("routes/" + id).setForward(forward).build();
  }

  private static StoreException.Reason reason(Runnable r) {
    try {
      r.run();
    } catch (StoreException e) {
      return e.reason();
    }
    throw new AssertionError("no StoreException");
  }

  @Test
  void startsEmptyAtRevisionZero() {
    assertThat(store.revision()).isZero();
    assertThat(store.readConfig().clusters()).isEmpty();
  }

  @Test
  void bumpsRevisionAndWritesHistoryPerWrite() {
    List<Long> heard = new CopyOnWriteArrayList<>();
    store.addListener(heard::add);
    Cluster created = store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "alice");
    assertThat(created.getEtag()).isEqualTo("1");
    assertThat(created.hasCreateTime()).isTrue();
    Cluster updated =
        store.update(
            ResourceTable.CLUSTERS,
            Stored.of(created.toBuilder().setDescription("d").build()),
            "1",
            "bob");
    assertThat(updated.getEtag()).isEqualTo("2");
    assertThat(updated.getCreateTime()).isEqualTo(created.getCreateTime());
    store.delete(ResourceTable.CLUSTERS, "clusters/a", "", "carol");
    assertThat(store.revision()).isEqualTo(3);
    assertThat(heard).containsExactly(1L, 2L, 3L);

    List<HistoryEntry> history = store.history(10);
    assertThat(history).extracting(HistoryEntry::revision).containsExactly(3L, 2L, 1L);
    assertThat(history)
        .extracting(HistoryEntry::action)
        .containsExactly(Action.DELETE, Action.UPDATE, Action.CREATE);
    assertThat(history).extracting(HistoryEntry::actor).containsExactly("carol", "bob", "alice");
    assertThat(history.get(1).beforeJson()).doesNotContain("\"d\"");
    assertThat(history.get(1).afterJson()).contains("\"description\":\"d\"");
    assertThat(history.get(0).afterJson()).isNull();
  }

  @Test
  void appliesManyChangesAsOneRevisionWhateverTheirOrder() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("old")), "t");
    store.create(ResourceTable.ROUTES, Stored.of(route("old", "clusters/old")), "t");
    List<Long> heard = new CopyOnWriteArrayList<>();
    store.addListener(heard::add);

    // The route before its cluster, the old cluster's delete before its route's.
    long revision =
        store.apply(
            List.of(
                Change.put(
                    ResourceTable.ROUTES, "routes/new", Stored.of(route("new", "clusters/new"))),
                Change.delete(ResourceTable.CLUSTERS, "clusters/old"),
                Change.put(ResourceTable.CLUSTERS, "clusters/new", Stored.of(cluster("new"))),
                Change.delete(ResourceTable.ROUTES, "routes/old")),
            2,
            "alice");

    assertThat(revision).isEqualTo(3);
    assertThat(heard).containsExactly(3L);
    StoredConfig config = store.readConfig();
    assertThat(config.clusters()).extracting(Cluster::getName).containsExactly("clusters/new");
    assertThat(config.routes()).extracting(Route::getName).containsExactly("routes/new");
    RevisionEntry entry = store.revision(3).orElseThrow();
    assertThat(entry.actor()).isEqualTo("alice");
    assertThat(entry.changes())
        .extracting(HistoryEntry::action, HistoryEntry::name)
        .containsExactly(
            tuple(Action.CREATE, "clusters/new"),
            tuple(Action.CREATE, "routes/new"),
            tuple(Action.DELETE, "routes/old"),
            tuple(Action.DELETE, "clusters/old"));
    // The next snapshot build reads what the one revision touched.
    assertThat(store.changesSince(2).orElseThrow().deleted())
        .containsExactlyInAnyOrder("clusters/old", "routes/old");
  }

  @Test
  void refusesAnApplyComputedAgainstAnOlderRevisionAndWritesNothing() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");

    assertThat(
            reason(
                () ->
                    store.apply(
                        List.of(
                            Change.put(
                                ResourceTable.CLUSTERS, "clusters/b", Stored.of(cluster("b")))),
                        0,
                        "t")))
        .isEqualTo(Reason.REVISION_MOVED);
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.revisions(0, 10)).hasSize(1);
  }

  @Test
  void readsTheConfigAsItWasAtEachRevision() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    store.update(
        ResourceTable.CLUSTERS,
        Stored.of(cluster("a").toBuilder().setDescription("2").build()),
        "",
        "t");
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("b")), "t");
    store.delete(ResourceTable.CLUSTERS, "clusters/a", "", "t");

    assertThat(store.configAt(1).clusters())
        .extracting(Cluster::getName, Cluster::getDescription, Cluster::getEtag)
        .containsExactly(tuple("clusters/a", "", "1"));
    assertThat(store.configAt(3).clusters())
        .extracting(Cluster::getName, Cluster::getDescription)
        .containsExactly(tuple("clusters/a", "2"), tuple("clusters/b", ""));
    assertThat(store.configAt(4).clusters())
        .extracting(Cluster::getName)
        .containsExactly("clusters/b");
    assertThat(store.configAt(99).revision()).isEqualTo(4);
    assertThat(store.revisions(0, 2)).extracting(RevisionEntry::revision).containsExactly(4L, 3L);
    assertThat(store.revisions(3, 10)).extracting(RevisionEntry::revision).containsExactly(2L, 1L);
  }

  @Test
  void keepsTheHistoryOfADatabaseOfSchemaVersionOne() throws Exception {
    store.close();
    String other = database.createUrl(dir.resolve("v1"));
    Flyway.configure()
        .dataSource(other, null, null)
        .locations("classpath:db/migration")
        .target("1")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(other);
        Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE config_state SET revision = 2");
      s.executeUpdate(
          "INSERT INTO certificates VALUES ('certificates/c', '{\"name\":\"certificates/c\"}',"
              + " 'KEY', 2, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)");
      s.executeUpdate(
          "INSERT INTO history VALUES (1, CURRENT_TIMESTAMP, 'admin', 'CREATE', 'CERTIFICATE',"
              + " 'certificates/c', NULL, '{\"name\":\"certificates/c\"}')");
      s.executeUpdate(
          "INSERT INTO history VALUES (2, CURRENT_TIMESTAMP, 'admin', 'UPDATE', 'CERTIFICATE',"
              + " 'certificates/c', '{\"name\":\"certificates/c\"}',"
              + " '{\"name\":\"certificates/c\",\"description\":\"d\"}')");
    }
    store = JdbcConfigStore.open(other, Clock.systemUTC());

    assertThat(store.revisions(0, 10))
        .extracting(RevisionEntry::revision, RevisionEntry::actor)
        .containsExactly(tuple(2L, "admin"), tuple(1L, "admin"));
    // Only the newest version's key is known: older ones were never kept.
    assertThat(store.configAt(2).certificates())
        .singleElement()
        .satisfies(c -> assertThat(c.sealed()).isEqualTo("KEY"));
    assertThat(store.configAt(1).certificates())
        .singleElement()
        .satisfies(c -> assertThat(c.sealed()).isNull());
  }

  @Test
  void rejectsStaleEtagAndLeavesRevision() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    store.update(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "", "t");
    assertThat(
            reason(() -> store.update(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "1", "t")))
        .isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(reason(() -> store.delete(ResourceTable.CLUSTERS, "clusters/a", "1", "t")))
        .isEqualTo(Reason.ETAG_MISMATCH);
    assertThat(store.revision()).isEqualTo(2);
    assertThat(store.history(10)).hasSize(2);
  }

  @Test
  void rejectsDuplicateAndMissing() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    assertThat(reason(() -> store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t")))
        .isEqualTo(Reason.ALREADY_EXISTS);
    assertThat(reason(() -> store.update(ResourceTable.CLUSTERS, Stored.of(cluster("b")), "", "t")))
        .isEqualTo(Reason.NOT_FOUND);
    assertThat(reason(() -> store.delete(ResourceTable.ROUTES, "routes/x", "", "t")))
        .isEqualTo(Reason.NOT_FOUND);
    assertThat(store.revision()).isEqualTo(1);
  }

  @Test
  void keepsReferentialIntegrity() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    assertThatThrownBy(
            () ->
                store.create(
                    ResourceTable.ROUTES,
                    Stored.of(route("r", "clusters/a", "clusters/nope")),
                    "t"))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.MISSING_REFERENCE);
              assertThat(e.names()).containsExactly("clusters/nope");
            });
    assertThat(store.revision()).isEqualTo(1);
    assertThat(store.get(ResourceTable.ROUTES, "routes/r")).isEmpty();

    store.create(ResourceTable.ROUTES, Stored.of(route("r", "clusters/a")), "t");
    store.create(ResourceTable.ROUTES, Stored.of(route("s", "clusters/a")), "t");
    assertThatThrownBy(() -> store.delete(ResourceTable.CLUSTERS, "clusters/a", "", "t"))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.IN_USE);
              assertThat(e.names()).containsExactly("routes/r", "routes/s");
            });
    store.delete(ResourceTable.ROUTES, "routes/r", "", "t");
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("b")), "t");
    store.update(ResourceTable.ROUTES, Stored.of(route("s", "clusters/b")), "", "t");
    store.delete(ResourceTable.CLUSTERS, "clusters/a", "", "t");
    assertThat(reason(() -> store.delete(ResourceTable.CLUSTERS, "clusters/b", "", "t")))
        .isEqualTo(Reason.IN_USE);
  }

  @Test
  void pagesInNameOrder() {
    for (String id : List.of("d", "b", "e", "a", "c")) {
      store.create(ResourceTable.CLUSTERS, Stored.of(cluster(id)), "t");
    }
    List<String> names = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      Page<Cluster> page = store.list(ResourceTable.CLUSTERS, 2, token);
      page.items().forEach(c -> names.add(c.getName()));
      token = page.nextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertThat(names)
        .containsExactly("clusters/a", "clusters/b", "clusters/c", "clusters/d", "clusters/e");
    assertThat(pages).isEqualTo(3);
    assertThat(store.list(ResourceTable.CLUSTERS, 0, "").items()).hasSize(5);
    assertThat(reason(() -> store.list(ResourceTable.CLUSTERS, 0, "garbage!")))
        .isEqualTo(Reason.INVALID_PAGE_TOKEN);
    assertThat(reason(() -> store.list(ResourceTable.ROUTES, 0, Page.tokenAfter("clusters/a"))))
        .isEqualTo(Reason.INVALID_PAGE_TOKEN);
    assertThat(reason(() -> store.list(ResourceTable.CLUSTERS, -1, "")))
        .isEqualTo(Reason.INVALID_PAGE_SIZE);
  }

  @Test
  void keepsCertificateKeyOnlyAsCiphertext() {
    Certificate spec =
        Certificate.newBuilder().setName("certificates/c").setCertificateChain("PEM").build();
    Certificate created =
        store.create(ResourceTable.CERTIFICATES, new Stored<>(spec, "CIPHERTEXT"), "t");
    assertThat(created.getPrivateKey()).isEmpty();
    assertThat(store.getStored(ResourceTable.CERTIFICATES, "certificates/c").orElseThrow().sealed())
        .isEqualTo("CIPHERTEXT");
    assertThat(store.history(1).get(0).afterJson()).doesNotContain("CIPHERTEXT");
    assertThat(store.readConfig().certificates())
        .singleElement()
        .satisfies(c -> assertThat(c.sealed()).isEqualTo("CIPHERTEXT"));
    // History keeps each version's sealed key, so that a rollback can restore it.
    store.update(ResourceTable.CERTIFICATES, new Stored<>(spec, "NEWER"), "", "t");
    assertThat(store.configAt(1).certificates())
        .singleElement()
        .satisfies(c -> assertThat(c.sealed()).isEqualTo("CIPHERTEXT"));
  }

  @Test
  void changesSinceNamesWhatTheWritesAfterARevisionLeft() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("b")), "t");
    long since = store.revision();
    store.create(ResourceTable.ROUTES, Stored.of(route("r", "clusters/a")), "t");
    Cluster moved =
        cluster("a").toBuilder()
            .setEndpoints(0, Endpoint.newBuilder().setHost("127.0.0.2").setPort(81))
            .build();
    store.update(ResourceTable.CLUSTERS, Stored.of(moved), "", "t");
    store.delete(ResourceTable.CLUSTERS, "clusters/b", "", "t");
    Certificate cert =
        Certificate.newBuilder().setName("certificates/c").setCertificateChain("PEM").build();
    store.create(ResourceTable.CERTIFICATES, new Stored<>(cert, "CIPHERTEXT"), "t");
    // Written and deleted within the range: only the deletion is left.
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("gone")), "t");
    store.delete(ResourceTable.CLUSTERS, "clusters/gone", "", "t");

    StoredChanges changes = store.changesSince(since).orElseThrow();

    assertThat(changes.since()).isEqualTo(since);
    assertThat(changes.revision()).isEqualTo(store.revision()).isEqualTo(since + 6);
    assertThat(changes.clusters())
        .containsExactly(store.get(ResourceTable.CLUSTERS, "clusters/a").orElseThrow());
    assertThat(changes.clusters().get(0).getEndpoints(0).getHost()).isEqualTo("127.0.0.2");
    assertThat(changes.routes())
        .containsExactly(store.get(ResourceTable.ROUTES, "routes/r").orElseThrow());
    assertThat(changes.certificates())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.resource().getName()).isEqualTo("certificates/c");
              assertThat(c.sealed()).isEqualTo("CIPHERTEXT");
            });
    assertThat(changes.deleted()).containsExactlyInAnyOrder("clusters/b", "clusters/gone");
  }

  @Test
  void changesSinceTheNewestRevisionAreNone() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    StoredChanges changes = store.changesSince(store.revision()).orElseThrow();
    assertThat(changes.revision()).isEqualTo(store.revision());
    assertThat(changes.clusters()).isEmpty();
    assertThat(changes.deleted()).isEmpty();
  }

  @Test
  void changesSinceARevisionTheStoreHasNotReachedCannotBeTold() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    assertThat(store.changesSince(store.revision() + 1)).isEmpty();
  }

  @Test
  void keepsEverythingAcrossRestart() {
    store.create(ResourceTable.CLUSTERS, Stored.of(cluster("a")), "t");
    store.create(ResourceTable.ROUTES, Stored.of(route("r", "clusters/a")), "t");
    store.saveNode(Node.newBuilder().setName("nodes/n1").setAddress("x").build());
    store.saveNode(Node.newBuilder().setName("nodes/n1").setAddress("y").build());
    store.close();

    store = JdbcConfigStore.open(url, Clock.systemUTC());
    assertThat(store.revision()).isEqualTo(2);
    StoredConfig config = store.readConfig();
    assertThat(config.revision()).isEqualTo(2);
    assertThat(config.clusters()).extracting(Cluster::getName).containsExactly("clusters/a");
    assertThat(config.routes())
        .singleElement()
        .satisfies(r -> assertThat(r.getEtag()).isEqualTo("2"));
    assertThat(store.listNodes()).extracting(Node::getAddress).containsExactly("y");
    assertThat(reason(() -> store.delete(ResourceTable.CLUSTERS, "clusters/a", "", "t")))
        .isEqualTo(Reason.IN_USE);
  }

  @Test
  void serialisesConcurrentWriters() throws Exception {
    writeFromFourThreads(t -> store);

    assertThat(store.revision()).isEqualTo(40);
    assertThat(store.history(100))
        .extracting(HistoryEntry::revision)
        .doesNotHaveDuplicates()
        .hasSize(40);
  }

  /** Ten cluster creates on each of four threads, thread t writing through {@code storeOf(t)}. */
  static void writeFromFourThreads(IntFunction<JdbcConfigStore> storeOf)
      throws InterruptedException {
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      JdbcConfigStore writer = storeOf.apply(t);
      int n = t;
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < 10; i++) {
                  writer.create(ResourceTable.CLUSTERS, Stored.of(cluster("c" + n + "-" + i)), "t");
                }
              });
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }
}
